'use strict';
// A site's DUoS (distributor, import_tariff, export_tariff: all three or none) in the
// battery form (Sidebar.gs), the risk panel (Risk.gs) and the investment panel (Invest.gs),
// and the battery form's registration (bm, non_bm, none). One checker for the three
// panels: siteDuosFields_ in Webhook.gs.

const test = require('node:test');
const assert = require('node:assert/strict');
const { loadProject, plain, problem, json, SETTINGS } = require('./harness');

const JOB = '123456789012345678';
const SITE = { distributor: '10', import_tariff: 'HV Site Specific No Residual',
  export_tariff: 'HV Generation Site Specific' };
const BATTERY = { power_mw: '2', energy_mwh: '4', efficiency_pct: '88', start_date: '2024-01-01',
  end_date: '2024-01-07', mode: 'forecast' };
const RISK = { power_mw: '1', duration_h: '2', scenarios: '20', regime: '2024-2026' };
const INVEST = { power_mw: '50', energy_mwh: '100' };
const NETWORK_NOTE = "Network charges: DUoS import unit rates of 'HV Site Specific No Residual' by " +
  "band on charging (mean £5.81/MWh) and generation credits of 'HV Generation Site Specific' by " +
  'band on exporting (mean £6.50/MWh).';

/** Each panel: its entry point, a valid form, the answer its POST gets, and the route. */
const PANELS = {
  battery: { call: 'sidebarValueBattery', form: BATTERY, route: '/v1/bess/revenue',
    answer: () => json({ mode: 'forecast', net_revenue_gbp: 1000, streams: {}, assumptions: [] }) },
  risk: { call: 'riskSubmit', form: RISK, route: '/v1/bess/risk',
    answer: () => json({ job_id: JOB, status: 'queued' }, 202) },
  invest: { call: 'investPanel', form: INVEST, route: '/v1/bess/invest',
    answer: () => json({ job_id: JOB, status: 'queued' }, 202) },
};

function project() {
  return loadProject({ settings: SETTINGS });
}

/** The one request body a panel sent. */
function sentBody(p) {
  assert.equal(p.fakes.UrlFetchApp.requests.length, 1);
  return JSON.parse(p.fakes.UrlFetchApp.requests[0].payload);
}

for (const [name, panel] of Object.entries(PANELS)) {
  test(`${name}: the site's three fields are sent, under the API's names, exactly when given`, () => {
    const p = project();
    p.fakes.UrlFetchApp.handler = panel.answer;
    assert.equal(plain(p.call(panel.call, Object.assign({}, panel.form,
      { distributor: ' ', import_tariff: '', export_tariff: '' }))).ok, true);
    const without = sentBody(p);
    assert.equal(p.fakes.UrlFetchApp.requests[0].url, 'https://gbess.example.run.app' + panel.route);
    for (const field of ['distributor', 'import_tariff', 'export_tariff']) {
      assert.ok(!(field in without), `${field} sent without a site`);
    }
    const q = project();
    q.fakes.UrlFetchApp.handler = panel.answer;
    // A GSP group typed in lower case is sent as the service writes it.
    assert.equal(plain(q.call(panel.call, Object.assign({}, panel.form, SITE,
      { distributor: '_a', import_tariff: ' HV Site Specific No Residual ' }))).ok, true);
    const body = sentBody(q);
    assert.deepEqual([body.distributor, body.import_tariff, body.export_tariff],
      ['_A', 'HV Site Specific No Residual', 'HV Generation Site Specific']);
    assert.deepEqual(Object.keys(body).filter((k) => !(k in without)).sort(),
      ['distributor', 'export_tariff', 'import_tariff']);
  });

  test(`${name}: a partial site is refused before any request, naming each missing field`, () => {
    const p = project();
    const out = plain(p.call(panel.call, Object.assign({}, panel.form, { distributor: '10',
      import_tariff: 'HV Site Specific No Residual' })));
    assert.deepEqual(out, { ok: false, errors: { export_tariff:
      "Give the site's export (generation) tariff too: a site needs all three fields, or none." } });
    const only = plain(p.call(panel.call, Object.assign({}, panel.form, { export_tariff: 'HV Generation Site Specific' })));
    assert.deepEqual(Object.keys(only.errors).sort(), ['distributor', 'import_tariff']);
    assert.match(only.errors.distributor, /distributor \(licence area 10-23 or GSP group _A-_P\)/);
    // A distributor that is neither a licence area nor a GSP group (no _I, no 24+).
    for (const bad of ['24', '9', '_I', 'A', 'Eastern']) {
      const wrong = plain(p.call(panel.call, Object.assign({}, panel.form, SITE, { distributor: bad })));
      assert.deepEqual(wrong.errors, { distributor: 'Use a licence area 10-23 or a GSP group _A to _P (e.g. 10 or _A).' }, bad);
    }
    assert.equal(p.fakes.UrlFetchApp.requests.length, 0);
  });

  test(`${name}: the server's 422 on import_tariff lands next to it`, () => {
    const p = project();
    p.fakes.UrlFetchApp.handler = () => problem(422, 'Validation error',
      "import_tariff: no tariff 'HV Site Specfic' for distributor 10", 'import_tariff');
    const out = plain(p.call(panel.call, Object.assign({}, panel.form, SITE, { import_tariff: 'HV Site Specfic' })));
    assert.deepEqual(out, { ok: false, errors: { import_tariff:
      "Validation error (422): import_tariff: no tariff 'HV Site Specfic' for distributor 10" } });
  });
}

test('battery: the registration is sent (BM unit by default), a bad one refused before any request', () => {
  const p = project();
  p.fakes.UrlFetchApp.handler = PANELS.battery.answer;
  p.call('sidebarValueBattery', BATTERY);
  assert.equal(sentBody(p).registration, 'bm');
  const q = project();
  q.fakes.UrlFetchApp.handler = () => json({ mode: 'forecast', registration: 'non_bm', net_revenue_gbp: 1000,
    streams: { duos_import: -17.9, duos_generation_credit: 1042.4 }, assumptions: [NETWORK_NOTE] });
  const out = plain(q.call('sidebarValueBattery', Object.assign({ registration: 'non_bm' }, BATTERY, SITE)));
  assert.equal(sentBody(q).registration, 'non_bm');
  // The site charged (the answer does not echo it), the registration by name, the DUoS
  // streams and the tariff statement.
  assert.deepEqual(out.details, [
    ['Site (DUoS)', 'distributor 10, import HV Site Specific No Residual, export HV Generation Site Specific'],
    ['Registration', 'Non-BM unit'],
    ['Revenue: DUoS import', '−£18'], ['Revenue: DUoS generation credit', '£1,042']]);
  assert.deepEqual(out.notes, [NETWORK_NOTE]);
  assert.deepEqual(out.table.rows.slice(0, 2), [['Mode', 'Forecast (decided on day-ahead forecasts)'],
    ['Site (DUoS)', 'distributor 10, import HV Site Specific No Residual, export HV Generation Site Specific']]);
  // Remembered with the battery, so the form opens with the same site and registration.
  const kept = JSON.parse(q.fakes.PropertiesService.document.store.GBESS_BATTERY);
  assert.deepEqual([kept.registration, kept.distributor, kept.export_tariff], ['non_bm', '10', 'HV Generation Site Specific']);
  const r = project();
  assert.deepEqual(plain(r.call('sidebarValueBattery', Object.assign({}, BATTERY, { registration: 'maybe' }))),
    { ok: false, errors: { registration: 'Choose BM unit, non-BM or not modelled.' } });
  assert.equal(r.fakes.UrlFetchApp.requests.length, 0);
});

test('risk: the finished run states its site and tariffs (a "Site (DUoS)" section, the assumptions, the panel note)', () => {
  const p = project();
  const result = {
    label: 'fast day-ahead policy', regime: '2024-2026', scenarios: { total: 3 }, site: SITE,
    annual: { mean_gbp: 1, p10_gbp: 1, p50_gbp: 1, p90_gbp: 1, var_cvar: [] },
    monthly_fan: [], distribution: { edges_gbp: [0, 1], counts: [3] },
    frontier: { confidence: 0.95, strategies: ['stack'], points: [] },
    assumptions: ['SoC grid of 21 points.', NETWORK_NOTE, 'Site DUoS (distributor 10): charged in the D-1 plan.'],
  };
  p.fakes.UrlFetchApp.handler = () => json({ job_id: JOB, status: 'complete', result });
  const out = plain(p.call('riskPoll', { job_id: JOB }));
  assert.deepEqual(out.network, [NETWORK_NOTE, 'Site DUoS (distributor 10): charged in the D-1 plan.']);
  const cells = plain(p.ss.getSheetByName('Risk result').getDataRange().getValues());
  const at = cells.findIndex((r) => r[0] === 'Site (DUoS)');
  assert.ok(at > 0, 'a Site (DUoS) section');
  assert.deepEqual(cells.slice(at + 2, at + 5).map((r) => r.slice(0, 2)), [['Distributor', '10'],
    ['Import tariff', 'HV Site Specific No Residual'], ['Export tariff', 'HV Generation Site Specific']]);
  const notes = cells.slice(cells.findIndex((r) => r[0] === 'Assumptions') + 2).map((r) => r[0]);
  assert.deepEqual(notes, result.assumptions);
  // Without a site: no site section, and the statement that there are no network charges shows.
  const q = project();
  q.fakes.UrlFetchApp.handler = () => json({ job_id: JOB, status: 'complete', result: Object.assign({}, result,
    { site: null, assumptions: ['Each scenario-year starts empty; no Capacity Market, network charges or cycle cap.'] }) });
  assert.deepEqual(plain(q.call('riskPoll', { job_id: JOB })).network,
    ['Each scenario-year starts empty; no Capacity Market, network charges or cycle cap.']);
  assert.ok(!plain(q.ss.getSheetByName('Risk result').getDataRange().getValues()).some((r) => r[0] === 'Site (DUoS)'));
});

test('invest: the site statement is among the panel\'s notes even behind eight other assumptions', () => {
  const p = project();
  const others = Array.from({ length: 9 }, (_, i) => `Assumption ${i + 1}.`);
  const site = "The site's DUoS (10: import HV Site Specific No Residual, export HV Generation Site Specific) charged in the plan.";
  const notes = plain(p.call('investNotes_', others.concat([NETWORK_NOTE, site])));
  assert.deepEqual(notes, [NETWORK_NOTE, site].concat(others.slice(0, 8)));
});

test('risk and investment panels send a registration other than BM, and refuse an unknown one', () => {
  for (const [fn, form, path] of [
    ['investPanel', { power_mw: '50', energy_mwh: '100' }, '/v1/bess/invest'],
    ['riskSubmit', { power_mw: '1', duration_h: '2', scenarios: '20' }, '/v1/bess/risk'],
  ]) {
    const p = loadProject({ settings: SETTINGS });
    p.fakes.UrlFetchApp.handler = () => json({ job_id: 'j1', status: 'queued', status_url: '/v1/jobs/j1' }, 202);
    p.call(fn, { ...form, registration: 'non_bm' });
    const sent = JSON.parse(p.fakes.UrlFetchApp.requests[0].payload);
    assert.equal(p.fakes.UrlFetchApp.requests[0].url.endsWith(path), true);
    assert.equal(sent.registration, 'non_bm');
    p.call(fn, { ...form, registration: 'bm' });
    assert.equal('registration' in JSON.parse(p.fakes.UrlFetchApp.requests[1].payload), false);
    const refused = plain(p.call(fn, { ...form, registration: 'bmu' }));
    assert.equal(refused.ok, false);
    assert.equal(refused.errors.registration, 'Choose BM unit, non-BM or not modelled.');
    assert.equal(p.fakes.UrlFetchApp.requests.length, 2);
  }
});
