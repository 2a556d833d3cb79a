'use strict';
// End to end: the .gs code against the REAL gbess server (`gbess serve` on loopback,
// test secret, embedded DuckDB warehouse seeded from the shipped market files). The fake UrlFetchApp makes real HTTP requests,
// synchronously; the server verifies the HMAC signatures the Apps Script code makes.

const test = require('node:test');
const assert = require('node:assert/strict');
const crypto = require('node:crypto');
const { loadProject, plain } = require('./harness');
const { startServer, syncHttpHandler } = require('./live_server');

const SECRET = crypto.randomBytes(32).toString('hex');
let server;

test.before(async () => {
  server = await startServer(SECRET);
});

test.after(async () => {
  if (server) await server.stop();
});

function project(secret = SECRET) {
  const p = loadProject({ settings: { service_url: server.url, auth_mode: 'hmac', secret } });
  // The server checks timestamps against its own clock: use real time.
  p.fakes.clock.ms = Date.now();
  p.fakes.UrlFetchApp.handler = syncHttpHandler();
  return p;
}

/** v2 headers computed here with Node's crypto alone (the reference for Webhook.gs). */
function referenceHeaders(method, path, body) {
  const ts = String(Math.floor(Date.now() / 1000));
  const nonce = crypto.randomBytes(12).toString('hex');
  const digest = crypto.createHash('sha256').update(body, 'utf8').digest('hex');
  const canonical = ['gbess-v2', method, path, '', ts, nonce, digest].join('\n');
  const sig = crypto.createHmac('sha256', SECRET).update(canonical, 'utf8').digest('hex');
  return { 'X-Gbess-Timestamp': ts, 'X-Gbess-Nonce': nonce, 'X-Gbess-Content-SHA256': digest,
    'X-Gbess-Signature': `v2=${sig}` };
}

/** The server's answer to a request signed here with Node's crypto (the reference). */
function signedPost(path, bodyObj) {
  const body = JSON.stringify(bodyObj);
  return syncHttpHandler()({ url: server.url + path, method: 'POST', payload: body,
    headers: Object.assign({ 'Content-Type': 'application/json' }, referenceHeaders('POST', path, body)) });
}

test('v2 on the real server: a replayed signature and one moved to another path are refused', () => {
  const body = JSON.stringify({ queries: ['SW1A 1AA'] });
  const headers = Object.assign({ 'Content-Type': 'application/json' }, referenceHeaders('POST', '/v1/lookup', body));
  const send = (path, h) => syncHttpHandler()({ url: server.url + path, method: 'POST', payload: body, headers: h });
  assert.equal(send('/v1/lookup', headers).code, 200);
  const again = send('/v1/lookup', headers);
  assert.equal(again.code, 401);
  assert.match(JSON.parse(again.body).detail, /already used/);
  const fresh = Object.assign({ 'Content-Type': 'application/json' }, referenceHeaders('POST', '/v1/lookup', body));
  const moved = send('/v1/jobs/refresh?x=1', fresh);
  assert.equal(moved.code, 401);
  assert.match(JSON.parse(moved.body).detail, /does not match the method, path, query/);
});

/** Every route the add-on calls is served: a missing one fails (it is not skipped). */
function requireRoute(p, route) {
  const doc = plain(p.call('callService_', 'get', '/v1/openapi.json', null, {}, p.services()));
  assert.ok(doc.paths && doc.paths[route], `the server's OpenAPI document has no ${route}`);
}

test('About shows the real /health (no auth)', () => {
  const p = project();
  const text = p.call('about_', p.services());
  assert.match(text, new RegExp(`Health: (ok|degraded), version ${server.health.version.replace(/[.+]/g, '\\$&')}`));
  assert.match(text, /warehouse_backend: duckdb/);
});

test('a signed GET is verified by the server; a wrong secret gets its 401 as a readable message', () => {
  const p = project();
  const doc = plain(p.call('callService_', 'get', '/v1/openapi.json', null, {}, p.services()));
  assert.match(doc.openapi, /^3\./);
  const q = project('wrong-secret-wrong-secret-wrong-secret-00');
  // /v1/openapi.json is public (issue 18): the refusals are shown on a signed route.
  assert.throws(() => q.call('callService_', 'get', '/v1/fleet', null, {}, q.services()),
    /The service refused the credentials \(401: X-Gbess-Signature does not match the method, path, query, timestamp, nonce and body digest\)\. Check the auth mode and secret/);
  const r = project();
  r.fakes.clock.ms = Date.now() - 600 * 1000; // a clock 10 minutes slow
  assert.throws(() => r.call('callService_', 'get', '/v1/fleet', null, {}, r.services()), /\(401: X-Gbess-Timestamp is more than 300 s from the server clock\)/);
});

/** 1,000 distinct queries: postcodes across areas, MPAN cores, and bad input. */
function thousandQueries() {
  const districts = ['SW1A', 'EC1A', 'M1', 'B1', 'LS1', 'G1', 'CF10', 'NE1', 'BS1', 'NG1', 'L1', 'EH1', 'CV47', 'GL56', 'BT1', 'ZZ99'];
  const letters = 'ABDEFGHJLNPQRSTUWXYZ';
  const rows = [];
  for (let i = 0; rows.length < 950; i++) {
    const d = districts[i % districts.length];
    rows.push([`${d} ${i % 10}${letters[Math.floor(i / 10) % 20]}${letters[Math.floor(i / 200) % 20]}`]);
  }
  const weights = [3, 5, 7, 13, 17, 19, 23, 29, 31, 37, 41, 43];
  for (let i = 0; rows.length < 995; i++) {
    const twelve = `${10 + (i % 14)}${String(1000000000 + i * 7919).slice(-10)}`;
    const check = [...twelve].reduce((s, c, k) => s + Number(c) * weights[k], 0) % 11 % 10;
    rows.push([`${twelve}${check}`]);
  }
  rows.push(['1200023305961'], ['not a site'], [''], ['12000233059'], ['GIR 0AA']);
  return rows;
}

test('=GBESS_LOOKUP over 1,000 rows: ONE signed request, the server\'s answers in-cell', (t) => {
  const p = project();
  requireRoute(p, '/v1/lookup');
  const range = thousandQueries();
  const before = p.fakes.UrlFetchApp.requests.length;
  const started = process.hrtime.bigint();
  const out = plain(p.asCustomFunction(() => p.call('GBESS_LOOKUP', range)));
  const elapsedMs = Number(process.hrtime.bigint() - started) / 1e6;
  t.diagnostic(`GBESS_LOOKUP 1,000 rows against the live server: ${elapsedMs.toFixed(0)} ms (Apps Script limit 30,000 ms)`);
  assert.equal(p.fakes.UrlFetchApp.requests.length - before, 1, 'one request for the whole range');
  assert.equal(out.length, 1000);
  // The reference: the same queries posted directly, signed with Node's crypto.
  const queries = range.map((r) => r[0]).filter(Boolean);
  const reference = JSON.parse(signedPost('/v1/lookup', { queries }).body).results;
  let next = 0;
  let errors = 0;
  range.forEach((row, i) => {
    if (!row[0]) {
      assert.deepEqual(out[i], ['', '', '', '', '']);
      return;
    }
    const ref = reference[next++];
    if (ref.error) {
      errors += 1;
      assert.equal(out[i][0], `#GBESS: ${ref.error.detail}`, `row ${i + 1}`);
    } else {
      assert.equal(out[i][0], ref.distributor_id === null ? out[i][0] : String(ref.distributor_id), `row ${i + 1}`);
      assert.equal(out[i][3], ref.match, `row ${i + 1}`);
      if (ref.gsp_group_id) assert.equal(out[i][2], ref.gsp_group_id, `row ${i + 1}`);
    }
  });
  assert.ok(errors >= 4 && errors < 1000, `${errors} per-row errors`);
  // Hand-checked rows: SW1A is London (_C, distributor 12); a bad check digit is explained.
  assert.deepEqual(out[0].slice(0, 4), ['12', 'London Power Networks', '_C', 'postcode_district']);
  assert.match(out[995][0], /^#GBESS: check digit expected 7, got 1/);
  // Served from the cache the second time: no new request.
  p.asCustomFunction(() => p.call('GBESS_LOOKUP', range));
  assert.equal(p.fakes.UrlFetchApp.requests.length - before, 1);
});

test('the menu lookup and the edit trigger write the server\'s answers into the sheet', () => {
  const p = project();
  requireRoute(p, '/v1/lookup');
  const sheet = p.ss.getActiveSheet();
  sheet.load(1, 1, [['Postcode'], ['SW1A 1AA'], ['BT1 1AA']]);
  p.ss.select(sheet.getRange('A2:A3'));
  p.call('menuLookupSelection');
  assert.deepEqual(plain(sheet.getRange('B2:D2').getValues()), [['12', 'London Power Networks', '_C']]);
  assert.match(sheet.getRange('B3').getValue(), /^#GBESS: .*Northern Ireland/);
  assert.equal(p.ss.toasts.at(-1).message, 'Looked up 2 sites: 1 found, 1 with errors (see the #GBESS cells).');
  const sites = p.ss.insertSheet('Sites input');
  sites.load(1, 1, [['Name', 'MPAN'], ['HQ', '1200023305967']]);
  p.call('onSitesEdit', { range: sites.getRange('B2') });
  assert.deepEqual(plain(sites.getRange('C2:F2').getValues()), [['12', 'London Power Networks', '_C', 'mpan']]);
});

test('=GBESS_DUOS_RATES against the real tariff table (NGED West Midlands HV Band 1, 2025/26)', () => {
  const p = project();
  requireRoute(p, '/v1/duos/rates');
  // A date cell of 1 June 2025 arrives as midnight UK time.
  const out = plain(p.asCustomFunction(() => p.call('GBESS_DUOS_RATES', 14, 'hv site specific band 1', new Date('2025-05-31T23:00:00Z'))));
  const value = (name) => (out.find((r) => r[0] === name) || [])[1];
  // duos_tariffs_lv_hv.csv, 2025/26, distributor 14, "HV Site Specific Band 1":
  // red 1.642 p/kWh, fixed 443.28 p/MPAN/day, capacity 9.5 p/kVA/day.
  assert.equal(value('tariff'), 'HV Site Specific Band 1');
  assert.equal(value('charging_year'), '2025/26');
  assert.equal(value('red_p_per_kwh'), 1.642);
  assert.equal(value('fixed_p_per_mpan_per_day'), 443.28);
  assert.equal(value('capacity_p_per_kva_per_day'), 9.5);
  assert.ok(out.some((r) => /^red band, /.test(r[0])), 'band windows listed');
  const bad = plain(p.asCustomFunction(() => p.call('GBESS_DUOS_RATES', 14, 'HV Foo', '2025-06-01')));
  assert.match(bad[0][0], /^#GBESS: .*HV Foo/);
});

test('Cost DUoS for the selected profile against the real server writes its bill', () => {
  const p = project();
  requireRoute(p, '/v1/duos/cost');
  const sheet = p.ss.getActiveSheet();
  // Monday 2 June 2025, 16:00 and 16:30 BST (15:00Z, 15:30Z): NGED West Midlands red band.
  sheet.load(1, 1, [['interval_start', 'import_kwh'], ['2025-06-02T15:00:00Z', 100], ['2025-06-02T15:30:00Z', 100]]);
  p.ss.select(sheet.getRange('A1:B3'));
  p.ui.promptAnswers.push(['OK', '14, HV Site Specific Band 1, 1500']);
  p.call('menuCostDuos');
  assert.deepEqual(p.ui.alerts, [], p.ui.alerts.map((a) => a.prompt).join('\n'));
  const rows = plain(p.ss.getSheetByName('DUoS cost').getDataRange().getValues());
  const value = (name) => (rows.find((r) => r[0] === name) || [])[1];
  // Red units: 200 kWh × 1.642 p/kWh = 328.4 p = £3.284.
  assert.ok(Math.abs(value('red_unit_gbp') - 3.284) < 1e-9, `red_unit_gbp ${value('red_unit_gbp')}`);
  assert.equal(typeof value('total_gbp'), 'number');
  assert.match(p.ss.toasts.at(-1).message, /^DUoS for 2 half-hours: £\d+\.\d\d — written to DUoS cost!A1:/);
});

test('an IDNO MPAN in the sidebar gets its host area\'s rates, and Cost DUoS reuses the site', () => {
  const p = project();
  requireRoute(p, '/v1/duos/cost');
  // 27 = The Electricity Network Company (IDNO); check digit of 270001234567 is 4. The
  // postcode SW1A 1AA puts the network in London (_C), whose all-the-way tariffs it mirrors.
  const out = plain(p.call('sidebarLookupSite', { mpan: '2700012345674', postcode: 'SW1A 1AA', tariff: 'Domestic Aggregated or CT with Residual', capacity_kva: '69' }));
  assert.equal(out.ok, true, JSON.stringify(out));
  const row = (name) => (out.table.rows.find((r) => r[0] === name) || [])[1];
  assert.match(row('Network operator'), /\(27, IDNO\)$/);
  assert.equal(row('DUoS tariff'), 'Domestic Aggregated or CT with Residual');
  assert.match(row('GSP group'), /^_C\b/);
  const sheet = p.ss.getActiveSheet();
  sheet.load(1, 1, [['interval_start', 'import_kwh'], ['2025-06-02T15:00:00Z', 1]]);
  p.ss.select(sheet.getRange('A1:B2'));
  p.ui.promptAnswers.push(['OK', '']);
  p.call('menuCostDuos');
  assert.deepEqual(p.ui.alerts, [], p.ui.alerts.map((a) => a.prompt).join('\n'));
  assert.match(p.ss.toasts.at(-1).message, /^DUoS for 1 half-hours: £\d+\.\d\d — written to DUoS cost!A1:/);
});

test('Refresh dashboard now against the real server reports each tab', () => {
  const p = project();
  requireRoute(p, '/v1/jobs/refresh');
  p.call('menuRefreshNow');
  const alert = p.ui.alerts.at(-1);
  assert.equal(alert.title, 'gbess: dashboard refresh', alert.prompt);
  assert.match(alert.prompt, /^(Dashboard refreshed: \d+ tabs|\d+ of \d+ dashboard tabs failed) in [\d.]+ s \(local\)\.\nMarket: /);
  const last = JSON.parse(p.fakes.PropertiesService.document.store.GBESS_LAST_REFRESH);
  assert.equal(last.source, 'menu');
});

test('Behind-the-meter PPA… against the real server writes the battery\'s value', () => {
  const p = project();
  requireRoute(p, '/v1/btm');
  const sheet = p.ss.getActiveSheet();
  const rows = [['interval_start', 'import_kwh']];
  const start = Date.parse('2024-06-03T00:00:00+01:00');
  for (let i = 0; i < 96; i++) rows.push([new Date(start + i * 1800000).toISOString(), 100]);
  sheet.load(1, 1, rows);
  p.ss.select(sheet.getRange(1, 1, rows.length, 2));
  p.ui.promptAnswers.push(['OK', '14, LV Site Specific Band 1, 500'], ['OK', '90, 0.5, 1']);
  // Levies without a published rate for 2024 are offered to be left out: accept.
  p.ui.alertAnswers.push('YES');
  p.call('menuBtm');
  assert.ok(p.ui.alerts.every((a) => /^There is no published rate for /.test(a.prompt)), p.ui.alerts.map((a) => a.prompt).join('\n'));
  const out = plain(p.ss.getSheetByName('BtM PPA').getDataRange().getValues());
  assert.equal(typeof (out.find((r) => r[0] === 'battery_value_gbp') || [])[1], 'number');
  assert.match(p.ss.toasts.at(-1).message, /^Battery adds £-?\d+\.\d\d — written to BtM PPA!A1:/);
});

test('the sidebar values a battery against the real server', () => {
  const p = project();
  requireRoute(p, '/v1/bess/revenue');
  const out = plain(p.call('sidebarValueBattery', { power_mw: '2', energy_mwh: '4', efficiency_pct: '88', start_date: '2024-01-01', end_date: '2024-01-07' }));
  assert.equal(out.ok, true, JSON.stringify(out));
  assert.ok(out.table.rows.length > 0);
});

test('the sidebar states the real data range held, and a battery outside it is refused under its date', () => {
  const p = project();
  requireRoute(p, '/v1/data/coverage');
  const range = plain(p.call('sidebarDataRange'));
  assert.equal(range.ok, true, JSON.stringify(range));
  // The shipped system prices start on 2019-01-01 (market/SOURCES.md).
  assert.match(range.text, /^Market data 2019-01-01 to \d{4}-\d{2}-\d{2}; DC\/DM\/DR prices 2021-09-\d\d to /);
  assert.ok(range.start <= range.end && range.end <= range.last);
  const out = plain(p.call('sidebarValueBattery', { power_mw: '1', energy_mwh: '2', efficiency_pct: '88', start_date: '2018-12-30', end_date: '2019-01-02', mode: 'forecast' }));
  assert.equal(out.ok, false);
  assert.match(out.errors.start_date, /from: the warehouse holds system prices for 2019-01-01 … .*is not wholly inside it$/);
});

// A real site: Eastern Power Networks (licence area 10), an HV battery's published tariffs.
const REAL_SITE = { distributor: '10', import_tariff: 'HV Site Specific No Residual', export_tariff: 'HV Generation Site Specific' };

test('the battery form values a battery at a real site: the DUoS streams and the tariff statement in the answer', () => {
  const p = project();
  requireRoute(p, '/v1/bess/revenue');
  const out = plain(p.call('sidebarValueBattery', Object.assign({ power_mw: '2', energy_mwh: '4', efficiency_pct: '88',
    start_date: '2024-01-01', end_date: '2024-01-07', mode: 'forecast', registration: 'bm' }, REAL_SITE)));
  assert.equal(out.ok, true, JSON.stringify(out));
  const row = (label) => (out.details.find((r) => r[0] === label) || [])[1];
  assert.equal(row('Site (DUoS)'), 'distributor 10, import HV Site Specific No Residual, export HV Generation Site Specific');
  assert.equal(row('Registration'), 'BM unit (ABSVD)');
  // Charging pays the import unit rates (a cost), exporting earns the generation credits.
  assert.match(row('Revenue: DUoS import'), /^−£[\d,]+$/);
  assert.match(row('Revenue: DUoS generation credit'), /^£[\d,]+$/);
  assert.ok(out.notes.some((n) => n.startsWith("Network charges: DUoS import unit rates of 'HV Site Specific No Residual' by band")),
    out.notes.join('\n'));
});

test('a tariff the real server does not know is refused next to its field in all three panels', () => {
  const p = project();
  const typo = Object.assign({}, REAL_SITE, { import_tariff: 'HV Site Specfic No Residual' });
  const battery = plain(p.call('sidebarValueBattery', Object.assign({ power_mw: '2', energy_mwh: '4', efficiency_pct: '88',
    start_date: '2024-01-01', end_date: '2024-01-07' }, typo)));
  assert.deepEqual(Object.keys(battery.errors || {}), ['import_tariff'], JSON.stringify(battery));
  // The server's own words, with the names it would take.
  assert.match(battery.errors.import_tariff, /^Validation \(422\): import_tariff: .*nearest valid names: 'HV Site Specific No Residual'/);
  const risk = plain(p.call('riskSubmit', Object.assign({ power_mw: '1', duration_h: '2', scenarios: '5', regime: '2024-2026' }, typo)));
  assert.deepEqual(Object.keys(risk.errors || {}), ['import_tariff'], JSON.stringify(risk));
  const invest = plain(p.call('investPanel', Object.assign({ power_mw: '10', energy_mwh: '20', life_years: '1', price_years: '2024' },
    REAL_SITE, { export_tariff: 'HV Generation Site Specifc' })));
  assert.deepEqual(Object.keys(invest.errors || {}), ['export_tariff'], JSON.stringify(invest));
  assert.match(invest.errors.export_tariff, /nearest valid names: 'HV Generation Site Specific'/);
});

test('10,001 queries: the server\'s 413 comes back in-cell, naming the limit', () => {
  const p = project();
  requireRoute(p, '/v1/lookup');
  const range = Array.from({ length: 10001 }, (_, i) => [`SW1A ${i % 10}${'ABDEFGHJLNPQRSTUWXYZ'[Math.floor(i / 10) % 20]}${'ABDEFGHJLNPQRSTUWXYZ'[Math.floor(i / 200) % 20]} ${i}`]);
  const out = plain(p.asCustomFunction(() => p.call('GBESS_LOOKUP', range)));
  assert.equal(out.length, 1);
  assert.match(out[0][0], /^#GBESS: Too much data for one request \(413: .*10,?000/);
});

test('a service that accepts but never answers: the synchronous fetch times out, reported in-cell', async () => {
  const net = require('node:net');
  const sockets = [];
  const silent = net.createServer((s) => sockets.push(s));
  await new Promise((r) => silent.listen(0, '127.0.0.1', r));
  const p = loadProject({ settings: { service_url: `http://127.0.0.1:${silent.address().port}`, auth_mode: 'hmac', secret: SECRET } });
  p.fakes.clock.ms = Date.now();
  p.fakes.UrlFetchApp.handler = syncHttpHandler(800);
  const out = plain(p.asCustomFunction(() => p.call('GBESS_LOOKUP', [['SW1A 1AA']])));
  assert.match(out[0][0], /^#GBESS: Could not reach the service at http:\/\/127\.0\.0\.1:\d+\/v1\/lookup: Timeout: /);
  assert.equal(p.fakes.UrlFetchApp.requests.length, 1, 'custom functions do not retry a timeout');
  sockets.forEach((s) => s.destroy());
  await new Promise((r) => silent.close(r));
});
