'use strict';
// Sidebar.gs (the sidebar's server functions) and Settings.gs.

const test = require('node:test');
const assert = require('node:assert/strict');
const { loadProject, plain, problem, json, SETTINGS, SECRET } = require('./harness');

function project(settings = SETTINGS) {
  return loadProject({ settings });
}

const LONDON = { query: 'SW1A 1AA', kind: 'postcode', distributor_id: 12, distributor_name: 'London Power Networks', gsp_group_id: '_C', match: 'postcode_district', candidates: [], warnings: [] };

test('sidebarLookupSite: field validation before any request', () => {
  const p = project();
  assert.deepEqual(plain(p.call('sidebarLookupSite', { postcode: ' ', mpan: '', capacity_kva: '-5' })), {
    ok: false, errors: { postcode: 'Enter a postcode or an MPAN.', capacity_kva: 'Capacity must be more than 0.' } });
  assert.deepEqual(plain(p.call('sidebarLookupSite', { postcode: 'SW1A 1AA', capacity_kva: 'lots' })), {
    ok: false, errors: { capacity_kva: 'Capacity must be a number.' } });
  assert.equal(p.fakes.UrlFetchApp.requests.length, 0);
});

test('sidebarLookupSite: a found site as a card (ids once, labels with units), rates when a tariff is given; site remembered', () => {
  const p = project();
  p.fakes.UrlFetchApp.handler = (req) => (req.url.endsWith('/v1/lookup')
    ? json({ results: [LONDON] })
    : json({ tariff_name: 'Domestic Aggregated or CT with Residual', distributor_id: '12', gsp_group_id: '_C', voltage_level: 'LV', direction: 'demand',
      years: [{ charging_year: '2025/26', rates: { red_p_per_kwh: 21.5 }, band_windows: [], source_doc_id: '2025-LOND' }] }));
  const out = plain(p.call('sidebarLookupSite', { postcode: 'SW1A 1AA', mpan: '', tariff: 'Domestic Aggregated', capacity_kva: '69' }));
  assert.equal(out.ok, true);
  assert.equal(out.title, 'Site SW1A 1AA');
  // Ids once, human labels with units: the operator with its id, the GSP group with its name.
  assert.deepEqual(out.card, [['Network operator', 'London Power Networks (12)'], ['GSP group', '_C'],
    ['Red', '21.500 p/kWh'], ['DUoS tariff', 'Domestic Aggregated or CT with Residual']]);
  assert.deepEqual(out.details, [['Match', 'postcode district'], ['Voltage', 'LV'], ['Direction', 'demand'],
    ['Charging year', '2025/26'], ['Source document', '2025-LOND']]);
  assert.equal(out.dataRange, 'DUoS rates of charging year 2025/26');
  assert.deepEqual(out.table.columns, ['Item', 'Value']);
  assert.ok(!JSON.stringify(out).includes('distributor_id'));
  // Rates asked for today's UK date (clock: 2026-01-15).
  assert.deepEqual(JSON.parse(p.fakes.UrlFetchApp.requests[1].payload), { distributor: LONDON, tariff: 'Domestic Aggregated', date: '2026-01-15' });
  assert.deepEqual(JSON.parse(p.fakes.PropertiesService.document.store.GBESS_SITE),
    { postcode: 'SW1A 1AA', mpan: '', tariff: 'Domestic Aggregated', capacity_kva: 69, distributor: '_C' });
});

test('sidebarLookupSite: an IDNO MPAN (27) asks for rates with the whole lookup result, and remembers its GSP group', () => {
  // Defect: the sidebar sent distributor_id "27" to /v1/duos/rates, which names no licence
  // area (an IDNO works in every region); the endpoint resolves a lookup result by its GSP group.
  const p = project();
  const idno = { query: '2700012345674 SW1A 1AA', kind: 'mpan+postcode', distributor_id: '27', distributor_type: 'IDNO',
    gsp_group_id: '_C', match: 'postcode_district', candidates: [], warnings: ['host licence area from the postcode district'] };
  p.fakes.UrlFetchApp.handler = (req) => (req.url.endsWith('/v1/lookup') ? json({ results: [idno] })
    : json({ tariff_name: 'Domestic Aggregated or CT with Residual', distributor_id: '12', gsp_group_id: '_C', years: [] }));
  const out = plain(p.call('sidebarLookupSite', { postcode: 'SW1A 1AA', mpan: '2700012345674', tariff: 'Domestic Aggregated or CT with Residual' }));
  assert.equal(out.ok, true);
  assert.deepEqual(JSON.parse(p.fakes.UrlFetchApp.requests[1].payload).distributor, idno);
  assert.equal(JSON.parse(p.fakes.PropertiesService.document.store.GBESS_SITE).distributor, '_C');
  // The service's answer about the distributor (an IDNO MPAN alone has no host area) lands
  // next to the MPAN, not the tariff.
  p.fakes.UrlFetchApp.handler = (req) => (req.url.endsWith('/v1/lookup')
    ? json({ results: [Object.assign({}, idno, { query: '2700012345674', gsp_group_id: null, match: 'mpan' })] })
    : problem(422, 'Validation error', 'distributor: the lookup found IDNO 27 (ETCL) but not its host licence area', 'distributor'));
  assert.deepEqual(plain(p.call('sidebarLookupSite', { mpan: '2700012345674', tariff: 'Domestic Aggregated or CT with Residual' })), {
    ok: false, errors: { mpan: 'Validation error (422): distributor: the lookup found IDNO 27 (ETCL) but not its host licence area' } });
});

test('sidebarLookupSite: per-row and HTTP errors land next to the right field', () => {
  const p = project();
  p.fakes.UrlFetchApp.handler = () => json({ results: [{ query: '1200023305961', error: { type: 'invalid_mpan', detail: 'check digit should be 7, got 1' } }] });
  assert.deepEqual(plain(p.call('sidebarLookupSite', { mpan: '1200023305961', postcode: 'SW1A 1AA' })),
    { ok: false, errors: { mpan: 'check digit should be 7, got 1' } });
  p.fakes.UrlFetchApp.handler = () => json({ results: [{ query: 'ZZ9', error: { type: 'unknown_postcode', detail: 'no such district ZZ9' } }] });
  assert.deepEqual(plain(p.call('sidebarLookupSite', { postcode: 'ZZ9' })), { ok: false, errors: { postcode: 'no such district ZZ9' } });
  p.fakes.UrlFetchApp.handler = (req) => (req.url.endsWith('/v1/lookup') ? json({ results: [LONDON] })
    : problem(404, 'Tariff not found', 'no tariff "Foo"; nearest: Domestic Aggregated', 'tariff'));
  assert.deepEqual(plain(p.call('sidebarLookupSite', { postcode: 'SW1A 1AA', tariff: 'Foo' })), { ok: false, errors: {
    tariff: 'Tariff not found (404): no tariff "Foo"; nearest: Domestic Aggregated' } });
  p.fakes.UrlFetchApp.handler = () => problem(401, 'Unauthorized', 'bad signature');
  const denied = plain(p.call('sidebarLookupSite', { postcode: 'SW1A 1AA' }));
  assert.equal(denied.ok, false);
  assert.match(denied.message, /refused the credentials \(401: bad signature\)/);
});

test('sidebarValueBattery: validation names each field', () => {
  const p = project();
  assert.deepEqual(plain(p.call('sidebarValueBattery', { power_mw: '0', energy_mwh: 'x', efficiency_pct: '120', start_date: '2024-13', end_date: '2024-01-01' })), {
    ok: false, errors: { power_mw: 'Power must be more than 0.', energy_mwh: 'Energy must be a number.',
      efficiency_pct: 'Efficiency is a percentage: at most 100.', start_date: 'Give the first day as YYYY-MM-DD.' } });
  assert.deepEqual(plain(p.call('sidebarValueBattery', { power_mw: '2', energy_mwh: '4', efficiency_pct: '81', start_date: '2024-06-01', end_date: '2024-05-01' })), {
    ok: false, errors: { end_date: 'The last day is before the first.' } });
  assert.equal(p.fakes.UrlFetchApp.requests.length, 0);
});

test('sidebarValueBattery: request (81 % round trip = 0.81, mode), a card of rounded figures with details, battery remembered', () => {
  const p = project();
  p.fakes.UrlFetchApp.handler = () => json({ mode: 'perfect_foresight', net_revenue_gbp: 14316.763230560286, gbp_per_mw_per_year: 7158.4,
    equivalent_cycles: 312.44, round_trip_efficiency: 0.8800000000000001, streams: { dcl: 120000, apx: -1234.6 }, solve_seconds: 0.82,
    capture_ratio: null, by_month: [{ month: '2024-01' }], by_efa_block: [{ efa_block: 1 }], assumptions: ['response energy nets to zero'],
    data_range: { from: '2019-01-01', to: '2026-03-18' } });
  const out = plain(p.call('sidebarValueBattery', { power_mw: '2', energy_mwh: '4', efficiency_pct: '81', start_date: '2024-01-01', end_date: '2024-12-31' }));
  const body = JSON.parse(p.fakes.UrlFetchApp.requests[0].payload);
  assert.equal(p.fakes.UrlFetchApp.requests[0].url, 'https://gbess.example.run.app/v1/bess/revenue');
  // The mode is sent (forecast unless the upper bound is chosen) and shown on the card.
  assert.deepEqual(body, { power_mw: 2, energy_mwh: 4, round_trip_efficiency: 0.81, from: '2024-01-01', to: '2024-12-31', mode: 'forecast', registration: 'bm' });
  assert.equal(out.title, 'Battery 2 MW / 4 MWh, 2024-01-01 to 2024-12-31');
  assert.equal(out.mode, 'Upper bound (perfect foresight)');
  assert.deepEqual(out.card, [['Net revenue', '£14,317'], ['Revenue per MW', '£7,158/MW/year'], ['Equivalent full cycles', '312.4']]);
  assert.deepEqual(out.details, [['Round-trip efficiency', '88%'], ['Revenue: DCL', '£120,000'], ['Revenue: APX', '−£1,235']]);
  assert.deepEqual(out.notes, ['response energy nets to zero']);
  assert.deepEqual(out.table.rows[0], ['Mode', 'Upper bound (perfect foresight)']);
  assert.equal(out.dataRange, 'Market data 2019-01-01 to 2026-03-18');
  assert.ok(!JSON.stringify(out).includes('solve_seconds'));
  assert.equal(p.fakes.PropertiesService.document.store['gbess:data-range:battery'], 'Market data 2019-01-01 to 2026-03-18');
  assert.equal(JSON.parse(p.fakes.PropertiesService.document.store.GBESS_BATTERY).efficiency_pct, 81);
});

test('sidebarValueBattery: a 422 naming a server field is shown next to the form field', () => {
  const p = project();
  p.fakes.UrlFetchApp.handler = () => problem(404, 'Data missing', 'no market data after 2024-12-31', 'to');
  assert.deepEqual(plain(p.call('sidebarValueBattery', { power_mw: '2', energy_mwh: '4', efficiency_pct: '81', start_date: '2024-01-01', end_date: '2025-06-30' })), {
    ok: false, errors: { end_date: 'Data missing (404): no market data after 2024-12-31 (field: to)' } });
  p.fakes.UrlFetchApp.handler = () => problem(422, 'Validation error', 'must be at most 1', 'round_trip_efficiency');
  const eff = plain(p.call('sidebarValueBattery', { power_mw: '2', energy_mwh: '4', efficiency_pct: '81', start_date: '2024-01-01', end_date: '2024-02-01' }));
  assert.deepEqual(Object.keys(eff.errors), ['efficiency_pct']);
  // Multi-field validation: each entry of `errors` lands next to its own field.
  p.fakes.UrlFetchApp.handler = () => ({ code: 422, body: JSON.stringify({ type: 'urn:gbess:problem:validation-error', title: 'Validation error',
    status: 422, detail: '2 errors', field: 'power_mw', errors: [{ field: 'power_mw', pointer: '#/power_mw', detail: 'over the 500 MW limit' },
      { field: 'from', pointer: '#/from', detail: 'no prices before 2021-01-01' }] }) });
  assert.deepEqual(plain(p.call('sidebarValueBattery', { power_mw: '900', energy_mwh: '4', efficiency_pct: '81', start_date: '2019-01-01', end_date: '2024-02-01' })),
    { ok: false, errors: { power_mw: 'over the 500 MW limit', start_date: 'no prices before 2021-01-01' } });
  p.fakes.UrlFetchApp.handler = () => ({ code: 200, body: '{"truncated": ' });
  assert.match(plain(p.call('sidebarValueBattery', { power_mw: '2', energy_mwh: '4', efficiency_pct: '81', start_date: '2024-01-01', end_date: '2024-02-01' })).message,
    /not JSON/);
});

test('sidebarWriteResults appends titled tables to "gbess results", one setValues each', () => {
  const p = project();
  const result = { title: 'Site SW1A 1AA', table: { columns: ['Field', 'Value'], rows: [['distributor_id', 12], ['gsp_group_id', '_C']] } };
  assert.deepEqual(plain(p.call('sidebarWriteResults', result)), { ok: true, written: 'gbess results!A1:B4' });
  assert.deepEqual(plain(p.call('sidebarWriteResults', result)), { ok: true, written: 'gbess results!A6:B9' });
  const sheet = p.ss.getSheetByName('gbess results');
  assert.deepEqual(plain(sheet.getRange('A1:B4').getValues()), [['Site SW1A 1AA', ''], ['Field', 'Value'], ['distributor_id', 12], ['gsp_group_id', '_C']]);
  assert.deepEqual(plain(sheet.getRange('A1:B2').getFontWeights()), [['bold', 'bold'], ['bold', 'bold']]);
  assert.deepEqual(plain(p.call('sidebarWriteResults', { title: 'x', table: { columns: [], rows: [] } })), { ok: false, message: 'There is no result to write yet.' });
  // Text from the service that looks like a formula is written as text.
  p.call('sidebarWriteResults', { title: 't', table: { columns: ['a'], rows: [['=IMPORTXML("http://x")']] } });
  assert.equal(sheet.getRange('A13').getValue(), '\'=IMPORTXML("http://x")');
});

test('sidebarState prefills the forms and says when Settings are missing', () => {
  const p = loadProject({});
  assert.deepEqual(plain(p.call('sidebarState')), { tab: 'site', site: null, battery: null, configured: false,
    dataRange: { site: null, battery: null } });
  p.call('showSidebar');
  assert.match(p.ui.sidebars[0].getContent(), /<form id="battery-form"/);
});

test('Settings: validation, saving (secret in Script Properties, never returned), keeping the secret', () => {
  const p = loadProject({});
  assert.deepEqual(plain(p.call('saveSettings', { service_url: 'http://gbess.local', auth_mode: 'jwt', secret: 'short', sites_sheet: '' })).errors, {
    service_url: 'The service URL must start with https:// and have no query string (Apps Script only fetches HTTPS URLs listed in appsscript.json).',
    auth_mode: 'Choose hmac or oidc.', secret: 'The secret must be at least 32 characters.' });
  assert.deepEqual(plain(p.call('saveSettings', { service_url: 'https://gbess.example.run.app/', auth_mode: 'hmac', secret: '' })).errors,
    { secret: "Enter the shared secret (the server's GBESS_HMAC_SECRET)." });
  const saved = plain(p.call('saveSettings', { service_url: 'https://gbess.example.run.app/', auth_mode: 'oidc', secret: SECRET, sites_sheet: 'Sites' }));
  assert.deepEqual(saved, { ok: true, settings: { serviceUrl: 'https://gbess.example.run.app', authMode: 'oidc', sitesSheet: 'Sites', hasSecret: true } });
  assert.equal(p.fakes.PropertiesService.script.store.GBESS_HMAC_SECRET, SECRET);
  assert.equal(p.fakes.PropertiesService.document.store.GBESS_HMAC_SECRET, undefined);
  // Saving again with a blank secret keeps the stored one.
  assert.equal(plain(p.call('saveSettings', { service_url: 'https://gbess.example.run.app', auth_mode: 'hmac', secret: '' })).ok, true);
  assert.equal(p.fakes.PropertiesService.script.store.GBESS_HMAC_SECRET, SECRET);
  assert.equal(JSON.stringify(plain(p.call('getSettings'))).includes(SECRET), false);
});

test('testConnection: health then a signed lookup; failures explained', () => {
  const p = project();
  p.fakes.UrlFetchApp.handler = (req) => (req.url.endsWith('/health') ? json({ status: 'ok', version: '0.3.0' }) : json({ results: [LONDON] }));
  assert.deepEqual(plain(p.call('testConnection')), { ok: true, message: 'Connected to gbess 0.3.0; signed requests accepted.' });
  p.fakes.UrlFetchApp.handler = (req) => (req.url.endsWith('/health') ? json({ status: 'ok' }) : problem(401, 'Unauthorized', 'signature does not match'));
  const out = plain(p.call('testConnection'));
  assert.equal(out.ok, false);
  assert.match(out.message, /refused the credentials \(401/);
});

// A /v1/data/coverage answer as the service sends it (days are UK days).
const COVERAGE = { warehouse_backend: 'duckdb', market_data: 'market data 2019-01-01 … 2026-03-18', summary: '',
  datasets: [
    { dataset: 'system_prices', label: 'system prices', rows: 126432, first_day: '2019-01-01', last_day: '2026-03-18', range: '2019-01-01 … 2026-03-18' },
    { dataset: 'dynamic_response_results', label: 'DC/DM/DR clearing prices', rows: 57444, first_day: '2021-09-16', last_day: '2026-08-02', range: '' },
  ] };

test('sidebarDataRange: the range held, from the service once, and the last whole month as default dates', () => {
  const p = project();
  p.fakes.UrlFetchApp.handler = () => json(COVERAGE);
  const out = plain(p.call('sidebarDataRange'));
  assert.deepEqual(out, { ok: true, text: 'Market data 2019-01-01 to 2026-03-18; DC/DM/DR prices 2021-09-16 to 2026-08-02.',
    first: '2019-01-01', last: '2026-03-18', start: '2026-02-01', end: '2026-02-28' });
  assert.equal(p.fakes.UrlFetchApp.requests[0].method, 'GET');
  assert.match(p.fakes.UrlFetchApp.requests[0].url, /\/v1\/data\/coverage$/);
  // Cached: opening the sidebar again asks nothing.
  assert.deepEqual(plain(p.call('sidebarDataRange')), out);
  assert.equal(p.fakes.UrlFetchApp.requests.length, 1);
});

test('lastWholeMonth_: a month ending on the last day held is that month; too little data is the range itself', () => {
  const p = project();
  assert.deepEqual(plain(p.call('lastWholeMonth_', '2019-01-01', '2026-03-31')), ['2026-03-01', '2026-03-31']);
  assert.deepEqual(plain(p.call('lastWholeMonth_', '2024-01-01', '2024-03-01')), ['2024-02-01', '2024-02-29']);
  assert.deepEqual(plain(p.call('lastWholeMonth_', '2024-03-31', '2024-04-01')), ['2024-03-31', '2024-04-01']);
});

test('sidebarDataRange: nothing held, or the service down, is said in the range line', () => {
  const p = project();
  p.fakes.UrlFetchApp.handler = () => json({ datasets: [{ dataset: 'system_prices', rows: 0, first_day: null, last_day: null }] });
  assert.deepEqual(plain(p.call('sidebarDataRange')), { ok: false, message: 'The service holds no market prices yet (gbess warehouse seed).' });
  const q = project();
  q.fakes.UrlFetchApp.handler = () => problem(422, 'Validation error', 'datasets: unknown x', 'datasets');
  const down = plain(q.call('sidebarDataRange'));
  assert.equal(down.ok, false);
  assert.match(down.message, /^Market data range unknown: /);
});

test('testConnection: a degraded /health lists its problems, asked once (no retries)', () => {
  const p = project();
  const body = { status: 'degraded', version: '0.3.0', warehouse_backend: 'duckdb', auth_mode: 'hmac', problems: [
    { component: 'warehouse', name: 'system_prices', check: 'no-rows', detail: 'warehouse table system_prices holds no rows; run `gbess warehouse seed` (or the ingest jobs)' },
    { component: 'reference', name: 'distributors', check: 'file-missing', detail: 'distributors.csv is missing' }] };
  p.fakes.UrlFetchApp.handler = () => json(body, 503);
  const out = plain(p.call('testConnection'));
  assert.equal(out.ok, false);
  assert.equal(out.message, 'The service is up (gbess 0.3.0) but degraded, so it cannot answer correctly yet: ' +
    'system_prices: warehouse table system_prices holds no rows; run `gbess warehouse seed` (or the ingest jobs); ' +
    'distributors: distributors.csv is missing. Ask its operator to fix this (the details are in the server log); ' +
    'signed requests were not tried.');
  assert.equal(p.fakes.UrlFetchApp.requests.length, 1);
});
