'use strict';
// Menu.gs: onOpen and every menu handler, on the fake spreadsheet, with outcomes
// and error paths.

const test = require('node:test');
const assert = require('node:assert/strict');
const { loadProject, plain, problem, json, SETTINGS } = require('./harness');

function project(settings = SETTINGS) {
  return loadProject({ settings });
}

function serveLookup(p) {
  p.fakes.UrlFetchApp.handler = (req) => {
    const { queries } = JSON.parse(req.payload);
    return json({ results: queries.map((q) => (q === 'XX1 1XX'
      ? { query: q, error: { type: 'unknown_postcode', detail: 'no GSP group for district XX1' } }
      : { query: q, distributor_id: 12, distributor_name: 'London Power Networks', gsp_group_id: '_C', match: 'postcode_district', warnings: [] })) });
  };
}

test('onOpen adds the gbess menu; every item names a global function', () => {
  const p = project();
  p.call('onOpen', {});
  assert.equal(p.ui.menus.length, 1);
  const menu = p.ui.menus[0];
  assert.equal(menu.name, 'gbess');
  const labels = menu.items.filter((i) => i.label).map((i) => i.label);
  assert.deepEqual(labels, ['Look up selected sites', 'Cost DUoS for the selected profile', 'Value a battery…',
    'Behind-the-meter PPA…', 'Refresh dashboard now', 'Schedule refresh…', 'Auto-lookup on edit…', 'Open sidebar',
    'Battery fleet…', 'Risk scenarios…', 'Investment case…', 'Settings…', 'About']);
  for (const item of menu.items.filter((i) => i.fn)) {
    assert.equal(typeof p.context[item.fn], 'function', item.fn);
  }
});

test('Look up selected sites: one request, results right of the selection, headers above, toast outcome', () => {
  const p = project();
  serveLookup(p);
  const sheet = p.ss.getActiveSheet();
  sheet.load(1, 1, [['Postcode'], ['SW1A 1AA'], ['XX1 1XX'], ['EC1A 1BB']]);
  p.ss.select(sheet.getRange('A2:A4'));
  p.call('menuLookupSelection');
  assert.equal(p.fakes.UrlFetchApp.requests.length, 1);
  assert.deepEqual(plain(sheet.getRange('B1:F4').getValues()), [
    ['Distributor id', 'DNO', 'GSP group', 'Match', 'Warnings'],
    ['12', 'London Power Networks', '_C', 'postcode_district', ''],
    ['#GBESS: no GSP group for district XX1', '', '', '', ''],
    ['12', 'London Power Networks', '_C', 'postcode_district', ''],
  ]);
  assert.match(sheet.getRange('B2').getNote(), /^gbess lookup 2026-01-15T12:00:00.000Z/);
  assert.equal(p.ss.toasts[0].message, 'Looking up 3 rows…');
  assert.equal(p.ss.toasts.at(-1).message, 'Looked up 3 sites: 2 found, 1 with errors (see the #GBESS cells).');
  // Results block written with one setValues, headers with another.
  assert.deepEqual(p.ss.writes.map((w) => w.a1), ['B2:F4', 'B1:F1']);
  // Run again: the block is ours (note), so no overwrite question.
  p.call('menuLookupSelection');
  assert.equal(p.ui.alerts.length, 0);
});

test('Look up selected sites: asks before overwriting data; NO writes nothing', () => {
  const p = project();
  serveLookup(p);
  const sheet = p.ss.getActiveSheet();
  sheet.load(1, 1, [['SW1A 1AA', 'my notes']]);
  p.ss.select(sheet.getRange('A1'));
  p.ui.alertAnswers.push('NO');
  p.call('menuLookupSelection');
  assert.match(p.ui.alerts[0].prompt, /^B1:F1 already holds data\. Overwrite it/);
  assert.equal(p.fakes.UrlFetchApp.requests.length, 0);
  assert.equal(sheet.getRange('B1').getValue(), 'my notes');
  assert.equal(p.ss.toasts.at(-1).message, 'Lookup cancelled: nothing was written.');
});

test('Look up selected sites: a 401 is shown as one alert and nothing is written', () => {
  const p = project();
  p.fakes.UrlFetchApp.handler = () => problem(401, 'Unauthorized', 'X-Gbess-Signature does not match the body and timestamp');
  const sheet = p.ss.getActiveSheet();
  sheet.load(1, 1, [['SW1A 1AA']]);
  p.ss.select(sheet.getRange('A1'));
  p.call('menuLookupSelection');
  assert.match(p.ui.alerts[0].prompt, /refused the credentials \(401: X-Gbess-Signature does not match/);
  assert.equal(sheet.getRange('B1').getValue(), '');
  assert.match(p.ss.toasts.at(-1).message, /^Failed: /);
});

function profileSheet(p) {
  const sheet = p.ss.getActiveSheet();
  sheet.load(1, 1, [
    ['interval_start', 'import_kwh'],
    [new Date('2025-03-31T23:00:00Z'), 10],
    [new Date('2025-03-31T23:30:00Z'), 12.5],
  ]);
  p.ss.select(sheet.getRange('A1:B3'));
  return sheet;
}

test('Cost DUoS: reads the profile, asks for the site, writes the bill to "DUoS cost"', () => {
  const p = project();
  profileSheet(p);
  p.ui.promptAnswers.push(['OK', '14, HV Site Specific Band 1, 1500']);
  p.fakes.UrlFetchApp.handler = (req) => {
    assert.equal(req.url, 'https://gbess.example.run.app/v1/duos/cost');
    return json({ total_gbp: 1234.5, effective_p_per_kwh: 5.49, charging_years: ['2025/26'],
      by_component: { red_unit_gbp: 1000, fixed_gbp: 234.5 },
      by_month: [{ month: '2025-04', total_gbp: 1234.5 }] });
  };
  p.call('menuCostDuos');
  assert.deepEqual(JSON.parse(p.fakes.UrlFetchApp.requests[0].payload), {
    profile: { interval_start: ['2025-03-31T23:00:00.000Z', '2025-03-31T23:30:00.000Z'], import_kwh: [10, 12.5] },
    distributor: '14', tariff: 'HV Site Specific Band 1', import_capacity_kva: 1500,
  });
  const out = plain(p.ss.getSheetByName('DUoS cost').getDataRange().getValues());
  assert.deepEqual(out.slice(0, 5).map((r) => r.slice(0, 2)), [
    ['DUoS cost: distributor 14, HV Site Specific Band 1, 1500 kVA, 2 half-hours', ''],
    ['Item', 'Value'], ['total_gbp', 1234.5], ['effective_p_per_kwh', 5.49], ['charging_years', '2025/26'],
  ]);
  assert.deepEqual(out.at(-1), ['2025-04', 1234.5]);
  assert.equal(p.ss.writes.filter((w) => w.sheet === 'DUoS cost').length, 1, 'one setValues');
  assert.match(p.ss.toasts.at(-1).message, /^DUoS for 2 half-hours: £1234\.50 — written to DUoS cost!A1:B\d+\.$/);
  // The site is remembered: a blank answer next time reuses it.
  p.ui.promptAnswers.push(['OK', '']);
  p.call('menuCostDuos');
  assert.equal(JSON.parse(p.fakes.UrlFetchApp.requests[1].payload).tariff, 'HV Site Specific Band 1');
});

test('Cost DUoS: a site remembered from the sidebar without a capacity is never offered as "..., null"', () => {
  const p = project();
  profileSheet(p);
  // The sidebar remembers a site even when its capacity field was left blank.
  p.fakes.PropertiesService.document.store.GBESS_SITE = JSON.stringify(
    { postcode: 'SW1A 1AA', mpan: '', tariff: 'Domestic Aggregated or CT with Residual', capacity_kva: null, distributor: '_C' });
  p.ui.promptAnswers.push(['OK', '']);
  p.call('menuCostDuos');
  assert.doesNotMatch(p.ui.prompts.at(-1).prompt, /null/);
  assert.match(p.ui.prompts.at(-1).prompt, /_C, Domestic Aggregated or CT with Residual, <kVA>/);
  assert.equal(p.fakes.UrlFetchApp.requests.length, 0, 'nothing costed');
  assert.match(p.ui.alerts.at(-1).prompt, /has no agreed capacity/);
  // With the capacity typed, the remembered site is costed and kept complete.
  p.fakes.UrlFetchApp.handler = () => json({ total_gbp: 1, by_component: {}, by_month: [] });
  p.ui.promptAnswers.push(['OK', '_C, Domestic Aggregated or CT with Residual, 69']);
  p.call('menuCostDuos');
  assert.equal(JSON.parse(p.fakes.UrlFetchApp.requests[0].payload).distributor, '_C');
  assert.equal(JSON.parse(p.fakes.PropertiesService.document.store.GBESS_SITE).capacity_kva, 69);
});

test('Cost DUoS: cancel, a bad site line, a bad kWh cell and a 413 each end in a clear outcome', () => {
  const p = project();
  const sheet = profileSheet(p);
  p.ui.promptAnswers.push(['CANCEL', '']);
  p.call('menuCostDuos');
  assert.equal(p.ss.toasts.at(-1).message, 'DUoS costing cancelled: nothing was written.');
  p.ui.promptAnswers.push(['OK', 'London, 1500']);
  p.call('menuCostDuos');
  assert.match(p.ui.alerts.at(-1).prompt, /Could not read "London, 1500"/);
  sheet.load(3, 2, [['n/a']]);
  p.call('menuCostDuos');
  assert.equal(p.ui.alerts.at(-1).prompt, 'Row 3: import_kwh should be a number, got "n/a".');
  sheet.load(3, 2, [[12.5]]);
  p.ui.promptAnswers.push(['OK', '14, HV Site Specific Band 1, 1500']);
  p.fakes.UrlFetchApp.handler = () => problem(413, 'Payload Too Large', 'profile longer than 2 years');
  p.call('menuCostDuos');
  assert.equal(p.ui.alerts.at(-1).prompt, 'Too much data for one request (413: profile longer than 2 years).');
  assert.equal(p.ss.getSheetByName('DUoS cost'), null);
});

test('Value a battery… opens the sidebar on the battery form', () => {
  const p = project();
  p.call('menuValueBattery');
  assert.equal(p.ui.sidebars.length, 1);
  assert.equal(p.ui.sidebars[0].title, 'gbess');
  assert.equal(plain(p.call('sidebarState')).tab, 'battery');
});

test('Behind-the-meter PPA…: profile + site + price → "BtM PPA" tab; malformed answer reported', () => {
  const p = project();
  const sheet = p.ss.getActiveSheet();
  sheet.load(1, 1, [['interval_start', 'import_kwh', 'pv_kwh'], ['2025-06-01T00:00:00Z', 100, 0], ['2025-06-01T00:30:00Z', 90, 5]]);
  p.ss.select(sheet.getRange('A1:C3'));
  p.ui.promptAnswers.push(['OK', '14, HV Site Specific Band 1, 1500'], ['OK', '85, 2, 4']);
  p.fakes.UrlFetchApp.handler = () => json({ without_battery: { margin_gbp: 100 }, with_battery: { margin_gbp: 160 }, battery_value_gbp: 60,
    by_month: [{ month: '2025-06', battery_value_gbp: 60 }], assumptions: ['round trip 0.9 (stated)'] });
  p.call('menuBtm');
  const body = JSON.parse(p.fakes.UrlFetchApp.requests[0].payload);
  assert.equal(p.fakes.UrlFetchApp.requests[0].url, 'https://gbess.example.run.app/v1/btm');
  assert.deepEqual(body, { load: { interval_start: ['2025-06-01T00:00:00Z', '2025-06-01T00:30:00Z'], import_kwh: [100, 90] },
    distributor: '14', tariff: 'HV Site Specific Band 1', import_capacity_kva: 1500, ppa_gbp_per_mwh: 85, power_mw: 2, energy_mwh: 4, pv_kwh: [0, 5] });
  const out = plain(p.ss.getSheetByName('BtM PPA').getDataRange().getValues());
  assert.deepEqual(out.slice(1, 5).map((r) => r.slice(0, 2)), [['Item', 'Value'], ['without_battery.margin_gbp', 100], ['with_battery.margin_gbp', 160], ['battery_value_gbp', 60]]);
  assert.deepEqual(out.at(-1).slice(0, 1), ['round trip 0.9 (stated)']);
  assert.match(p.ss.toasts.at(-1).message, /^Battery adds £60\.00 — written to BtM PPA!A1:/);
  // The battery saved from the sidebar is used (with its efficiency) when there is one.
  p.fakes.PropertiesService.document.store.GBESS_BATTERY = JSON.stringify({ power_mw: 1, energy_mwh: 2, efficiency_pct: 81 });
  p.ui.promptAnswers.push(['OK', ''], ['OK', '70']);
  p.call('menuBtm');
  const second = JSON.parse(p.fakes.UrlFetchApp.requests[1].payload);
  assert.deepEqual([second.power_mw, second.energy_mwh, second.round_trip_efficiency, second.ppa_gbp_per_mwh], [1, 2, 0.81, 70]);
  p.ui.promptAnswers.push(['OK', ''], ['OK', 'eighty']);
  p.call('menuBtm');
  assert.match(p.ui.alerts.at(-1).prompt, /Could not read "eighty"/);
  // Levies without a published rate: the user is asked, and YES re-sends without them.
  const levyProblem = { code: 404, body: JSON.stringify({ type: 'urn:gbess:problem:data-missing', title: 'Data missing', status: 404, field: 'levies',
    detail: 'levies with no published rate for part of the period: FiT (no rate at all); AAHEDC (no rate before 2025-04-01).',
    missing_levies: ['FiT', 'AAHEDC'] }) };
  const ok = { battery_value_gbp: 12, by_month: [], assumptions: ['left out: FiT, AAHEDC'] };
  let calls = 0;
  p.fakes.UrlFetchApp.handler = () => (++calls === 1 ? levyProblem : json(ok));
  p.ui.promptAnswers.push(['OK', ''], ['OK', '70']);
  p.ui.alertAnswers.push('YES');
  p.call('menuBtm');
  assert.match(p.ui.alerts.at(-1).prompt, /^There is no published rate for FiT, AAHEDC over this period\./);
  assert.deepEqual(JSON.parse(p.fakes.UrlFetchApp.requests.at(-1).payload).without_levies, ['FiT', 'AAHEDC']);
  assert.match(p.ss.toasts.at(-1).message, /^Battery adds £12\.00/);
  calls = 0;
  p.ui.promptAnswers.push(['OK', ''], ['OK', '70']);
  p.ui.alertAnswers.push('NO');
  p.call('menuBtm');
  assert.equal(p.ss.toasts.at(-1).message, 'BtM valuation cancelled: nothing was written.');
  p.ui.promptAnswers.push(['OK', ''], ['OK', '70']);
  p.fakes.UrlFetchApp.handler = () => json({ margin: 1 });
  p.call('menuBtm');
  assert.equal(p.ui.alerts.at(-1).prompt, 'The service answered /v1/btm without a battery_value_gbp.');
});

function runSummary(ok) {
  const tab = (job, status, rows, error) => ({ job, started_utc: '2026-01-15T12:00:00', finished_utc: '2026-01-15T12:00:02', rows, status, data_as_of_utc: null, error });
  return { backend: 'local', ok, requests: { files: 1 }, duration_s: 2.25,
    tabs: [tab('Market', 'ok', 30, null), tab('Fleet', ok ? 'ok' : 'error', ok ? 64 : 0, ok ? null : 'warehouse has no bm_units table')] };
}

test('Refresh dashboard now: calls /v1/jobs/refresh, shows the run summary, records it', () => {
  const p = project();
  p.fakes.UrlFetchApp.handler = () => json(runSummary(true));
  p.call('menuRefreshNow');
  assert.equal(p.fakes.UrlFetchApp.requests[0].url, 'https://gbess.example.run.app/v1/jobs/refresh');
  assert.deepEqual(JSON.parse(p.fakes.UrlFetchApp.requests[0].payload), { tabs: [] });
  assert.equal(p.ui.alerts[0].title, 'gbess: dashboard refresh');
  assert.equal(p.ui.alerts[0].prompt, 'Dashboard refreshed: 2 tabs in 2.3 s (local).\nMarket: ok, 30 rows\nFleet: ok, 64 rows');
  const last = JSON.parse(p.fakes.PropertiesService.document.store.GBESS_LAST_REFRESH);
  assert.equal(last.status, 'ok');
  assert.equal(last.source, 'menu');
  // A refresh whose jobs failed is reported as such, not as "done".
  p.fakes.UrlFetchApp.handler = () => json(runSummary(false));
  p.call('menuRefreshNow');
  assert.equal(p.ui.alerts[1].prompt, '1 of 2 dashboard tabs failed in 2.3 s (local).\nMarket: ok, 30 rows\nFleet: error — warehouse has no bm_units table');
  assert.equal(p.ss.toasts.at(-1).message, '1 of 2 dashboard tabs failed in 2.3 s (local).');
  assert.equal(JSON.parse(p.fakes.PropertiesService.document.store.GBESS_LAST_REFRESH).status, 'error');
  const q = project();
  q.fakes.UrlFetchApp.handler = () => problem(500, 'Internal Server Error', 'refresh failed: Market');
  q.call('menuRefreshNow');
  assert.match(q.ui.alerts[0].prompt, /^Internal Server Error \(500\): refresh failed: Market \(after 4 attempts\)$/);
  assert.equal(JSON.parse(q.fakes.PropertiesService.document.store.GBESS_LAST_REFRESH).status, 'error');
});

test('Schedule refresh…: shows what is installed, installs hourly, switches to daily, removes', () => {
  const p = project();
  const triggers = () => p.fakes.ScriptApp.triggers.map((t) => [t.handler, t.everyHours || null, t.everyDays || null, t.atHour ?? null]);
  p.ui.promptAnswers.push(['OK', 'hourly']);
  p.call('menuScheduleRefresh');
  assert.match(p.ui.prompts[0].prompt, /^Dashboard refresh: not scheduled\nAuto-lookup: off/);
  assert.deepEqual(triggers(), [['scheduledRefresh', 1, null, null]]);
  assert.match(p.ui.alerts[0].prompt, /^Dashboard refresh: every hour/);
  p.ui.promptAnswers.push(['OK', 'Daily ']);
  p.call('menuScheduleRefresh');
  assert.deepEqual(triggers(), [['scheduledRefresh', null, 1, 6]]);
  p.ui.promptAnswers.push(['OK', 'weekly']);
  p.call('menuScheduleRefresh');
  assert.equal(p.ui.alerts.at(-1).prompt, '"weekly" is not a schedule: type hourly, daily or off.');
  assert.equal(p.fakes.ScriptApp.triggers.length, 1);
  p.ui.promptAnswers.push(['OK', 'off']);
  p.call('menuScheduleRefresh');
  assert.deepEqual(triggers(), []);
});

test('Auto-lookup on edit…: installs the one edit trigger for this spreadsheet, then removes it', () => {
  const p = project();
  p.ui.alertAnswers.push('YES');
  p.call('menuAutoLookup');
  assert.match(p.ui.alerts[0].prompt, /^Auto-lookup is OFF for "Sites input"/);
  assert.deepEqual(p.fakes.ScriptApp.triggers.map((t) => [t.handler, t.eventType, t.spreadsheetId]),
    [['onSitesEdit', 'ON_EDIT', 'fake-spreadsheet-id']]);
  p.ui.alertAnswers.push('YES');
  p.call('menuAutoLookup');
  assert.equal(p.fakes.ScriptApp.triggers.length, 0);
  assert.equal(p.ss.toasts.at(-1).message, 'Auto-lookup is off.');
});

test('About: version, settings and the service health (or why it is unreachable)', () => {
  const p = project();
  p.fakes.UrlFetchApp.handler = () => json({ status: 'ok', version: '0.1.0', data: true, warehouse: true });
  p.call('menuAbout');
  assert.equal(p.ui.alerts[0].prompt, [
    'gbess add-on 0.1.0', 'Service: https://gbess.example.run.app', 'Auth: hmac (secret set)',
    'Health: ok, version 0.1.0', '  data: true', '  warehouse: true',
    'Dashboard refresh: not scheduled', 'Auto-lookup: off'].join('\n'));
  // With a real-shaped identity token, About shows the OAuth client id the server needs.
  const payload = Buffer.from(JSON.stringify({ aud: '1234567890-abc.apps.googleusercontent.com', email: 'a@example.com' })).toString('base64url');
  p.fakes.ScriptApp.identityToken = `eyJhbGciOiJSUzI1NiJ9.${payload}.sig`;
  p.call('menuAbout');
  assert.match(p.ui.alerts[1].prompt, /\nOAuth client id \(for the server's GBESS_OIDC_AUDIENCES\): 1234567890-abc\.apps\.googleusercontent\.com\n/);
  const q = project();
  q.fakes.UrlFetchApp.handler = () => { throw new Error('Exception: DNS error: https://gbess.example.run.app/health'); };
  q.call('menuAbout');
  assert.match(q.ui.alerts[0].prompt, /Health: unreachable — Could not reach the service at https:\/\/gbess\.example\.run\.app\/health: DNS error/);
  const r = loadProject({});
  r.call('menuAbout');
  assert.match(r.ui.alerts[0].prompt, /Service: not set \(gbess → Settings\)/);
  assert.equal(r.fakes.UrlFetchApp.requests.length, 0);
});

test('Settings… opens the settings dialog (a real form, served from Settings.html)', () => {
  const p = project();
  p.call('menuSettings');
  assert.equal(p.ui.dialogs.length, 1);
  assert.equal(p.ui.dialogs[0].title, 'gbess settings');
  assert.match(p.ui.dialogs[0].html.getContent(), /<form id="settings"/);
});
