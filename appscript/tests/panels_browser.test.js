'use strict';
// The site (DUoS) group of the battery form, the risk panel and the investment panel, the
// battery form's registration, and the fleet panel's tables, in headless Chromium (./browser.js): each page answered by
// the real server functions for exactly the arguments the page sends, so a field the page
// forgot to send, or sent under another name, finds no answer and fails the test.

const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const { loadProject, plain, json, problem, SETTINGS } = require('./harness');
const { findChromium, renderReport, paint } = require('./browser');
const { DOCUMENT: FLEET } = require('./fleet_fixture');

const SITE = { distributor: '10', import_tariff: 'HV Site Specific No Residual', export_tariff: 'HV Generation Site Specific' };
const NETWORK_NOTE = "Network charges: DUoS import unit rates of 'HV Site Specific No Residual' by band on charging " +
  "(mean £5.81/MWh) and generation credits of 'HV Generation Site Specific' by band on exporting (mean £6.50/MWh).";

/** A driver: `steps` run one after another, 300 ms apart; the last one's report is dumped. */
function driver(steps) {
  return `<script>
  (function () {
    var report = {};
    function set(name, v) { document.querySelector('[name="' + name + '"]').value = v; }
    function text(sel) { return document.querySelector(sel).textContent; }
    function style(sel, prop) { return getComputedStyle(document.querySelector(sel))[prop]; }
    function submit(id) { document.getElementById(id).dispatchEvent(new Event('submit', { cancelable: true })); }
    var steps = [${steps.map((s) => `function () { ${s} }`).join(', ')}];
    function next(i) {
      if (i === steps.length) {
        report.calls = window.__calls;
        report.right = Math.max.apply(null, Array.prototype.map.call(document.querySelectorAll('body *'), function (el) {
          return el.getBoundingClientRect().right;
        }));
        var pre = document.createElement('pre');
        pre.id = 'test-report';
        pre.hidden = true;
        pre.textContent = JSON.stringify(report);
        document.body.appendChild(pre);
        return;
      }
      steps[i]();
      setTimeout(function () { next(i + 1); }, 300);
    }
    setTimeout(function () { next(0); }, 200);
  })();
  </script>`;
}

function chromium() {
  const found = findChromium();
  assert.ok(found, 'chromium is not installed (make test installs it: apt-get install chromium)');
  return found;
}

// The risk panel sends every field, in its form's order (Risk.html submitRisk).
const RISK_PARTIAL = { power_mw: '1', duration_h: '2', scenarios: '200', regime: '2024-2026', threshold_gbp: '',
  toll_price_gbp_per_mw_per_year: '', confidence: '', registration: 'bm', distributor: '10',
  import_tariff: 'HV Site Specific No Residual', export_tariff: '' };

// The risk panel's form as it opens (Risk.html submitRisk sends every field in this order).
const RISK_DEFAULT = { ...RISK_PARTIAL, distributor: '', import_tariff: '' };
const JOB = '123456789012345678';

test('risk panel: a run that fails later naming a field shows the reason under that field', { timeout: 60000 }, () => {
  const p = loadProject({ settings: SETTINGS });
  p.fakes.UrlFetchApp.handler = () => json({ job_id: JOB, status: 'queued', status_url: '/v1/jobs/' + JOB }, 202);
  const submitted = plain(p.call('riskSubmit', RISK_DEFAULT));
  p.fakes.UrlFetchApp.handler = () => json({ job_id: JOB, status: 'failed', field: 'regime',
    detail: 'regime: 2024-2026 holds 77 complete days' });
  const answers = {
    [`riskSubmit ${JSON.stringify([RISK_DEFAULT])}`]: submitted,
    [`riskPoll ${JSON.stringify([{ job_id: JOB }])}`]: plain(p.call('riskPoll', { job_id: JOB })),
  };
  const steps = [
    "submit('form');",
    "report.regimeError = text('#error-regime'); report.message = text('#message'); " +
      "report.go = document.getElementById('go').disabled; report.bar = document.getElementById('progress').hidden;",
  ];
  const report = renderReport(chromium(), 'Risk.html', answers, driver(steps));
  assert.equal(report.regimeError, 'regime: 2024-2026 holds 77 complete days');
  assert.equal(report.message, '');  // said once, under its field
  assert.equal(report.go, false);  // the form can be sent again
  assert.equal(report.bar, true);
  assert.deepEqual(report.calls, [`riskSubmit ${JSON.stringify([RISK_DEFAULT])}`,
    `riskPoll ${JSON.stringify([{ job_id: JOB }])}`]);
});

test('risk panel: a partial site shows its error under the missing field, before any request', { timeout: 60000 }, () => {
  const p = loadProject({ settings: SETTINGS });
  const answers = { [`riskSubmit ${JSON.stringify([RISK_PARTIAL])}`]: plain(p.call('riskSubmit', RISK_PARTIAL)) };
  assert.equal(p.fakes.UrlFetchApp.requests.length, 0);
  const steps = [
    "set('distributor', '10'); set('import_tariff', 'HV Site Specific No Residual'); submit('form');",
    "report.exportError = text('#error-export_tariff'); report.importError = text('#error-import_tariff'); " +
      "report.message = text('#message'); report.legend = text('legend'); " +
      "report.styles = [style('body', 'fontSize'), style('.error', 'color'), style('legend', 'fontSize'), style('progress', 'width')];",
  ];
  const report = renderReport(chromium(), 'Risk.html', answers, driver(steps));
  assert.equal(report.exportError, "Give the site's export (generation) tariff too: a site needs all three fields, or none.");
  assert.equal(report.importError, '');
  assert.equal(report.message, '');
  assert.equal(report.legend, 'Site (DUoS), optional: all three or none');
  // PanelStyle (13 px body, red errors, 12 px legend) and the panel's own rule (full-width bar).
  assert.deepEqual(report.styles, ['13px', 'rgb(176, 0, 32)', '12px', '100%']);
  assert.deepEqual(report.calls, [`riskSubmit ${JSON.stringify([RISK_PARTIAL])}`]);
  assert.ok(report.right <= 300, `the risk panel reaches ${report.right} px`);
  assert.ok(fs.statSync(paint(chromium(), 'Risk.html', answers, driver(steps.slice(0, 1)), 'gbess-risk-300-site.png')).size > 1000);
});

// The investment panel sends {sweep, every field in FIELDS order} (Invest.html values()).
function investForm(site) {
  return Object.assign({ sweep: false, power_mw: '10', energy_mwh: '20', capex_gbp_per_kw: '', capex_gbp_per_kwh: '',
    fixed_opex_gbp_per_mw_per_year: '', life_years: '1', discount_rate_real_frac: '', price_years: '2024',
    augmentation_threshold_frac: '', augmentation_gbp_per_kwh: '', capacity_market: 'none', cm_first_delivery_year: '',
    cm_price_gbp_per_kw_per_year: '', scenarios: '', regime: '', toll_share_frac: '', toll_price_gbp_per_mw_per_year: '',
    registration: 'bm' }, site);
}

test('investment panel: the server\'s 422 on import_tariff under that field; then the case with the tariff statement', { timeout: 60000 }, () => {
  const typo = investForm(Object.assign({}, SITE, { import_tariff: 'HV Site Specfic' }));
  const good = investForm(SITE);
  const p = loadProject({ settings: SETTINGS });
  p.fakes.UrlFetchApp.handler = (req) => (JSON.parse(req.payload).import_tariff === 'HV Site Specfic'
    ? problem(422, 'Validation', "import_tariff: no tariff 'HV Site Specfic' in _A (East England)", 'import_tariff')
    : json({ label: 'forecast', mode: 'forecast', power_mw: 10, energy_mwh: 20, life_years: 1, start_year: 2026,
      npv_gbp: -2500000, irr_frac: null, payback_year: null, lcos_gbp_per_mwh: null, upper_bound: { label: 'upper bound (perfect foresight)', npv_gbp: null },
      cashflow: [{ project_year: 0, price_year: null, usable_energy_frac: 1, revenue_gbp: 0, net_cashflow_gbp: -26000000, cumulative_cashflow_gbp: -26000000 },
        { project_year: 1, price_year: '2024', usable_energy_frac: 1, revenue_gbp: 120000, net_cashflow_gbp: 1100000, cumulative_cashflow_gbp: -24900000 }],
      assumptions: ['All figures are real (2026 £).', NETWORK_NOTE] }));
  const answers = {
    [`investPanel ${JSON.stringify([typo])}`]: plain(p.call('investPanel', typo)),
    [`investPanel ${JSON.stringify([good])}`]: plain(p.call('investPanel', good)),
  };
  const type = "set('power_mw', '10'); set('energy_mwh', '20'); set('life_years', '1'); set('price_years', '2024'); " +
    "set('distributor', '10'); set('import_tariff', 'HV Site Specfic'); set('export_tariff', 'HV Generation Site Specific'); submit('form');";
  const steps = [
    type,
    "report.importError = text('#error-import_tariff'); set('import_tariff', 'HV Site Specific No Residual'); submit('form');",
    "report.importAfter = text('#error-import_tariff'); report.notes = Array.prototype.map.call(document.querySelectorAll('#result .note'), function (n) { return n.textContent; }); " +
      "report.styles = [style('th', 'fontSize'), style('td', 'whiteSpace'), style('td', 'borderBottomStyle'), style('select', 'width') === style('input', 'width')];",
  ];
  const report = renderReport(chromium(), 'Invest.html', answers, driver(steps));
  assert.equal(report.importError, "Validation (422): import_tariff: no tariff 'HV Site Specfic' in _A (East England)");
  assert.equal(report.importAfter, '');
  assert.deepEqual(report.notes.slice(1), [NETWORK_NOTE, 'All figures are real (2026 £).']);
  // PanelStyle's table rules with the panel's own smaller cells that do not wrap; selects as wide as inputs.
  assert.deepEqual(report.styles, ['11px', 'nowrap', 'solid', true]);
  assert.ok(report.right <= 300, `the investment panel reaches ${report.right} px`);
  assert.ok(fs.statSync(paint(chromium(), 'Invest.html', answers, driver(steps.slice(0, 2)), 'gbess-invest-300-site.png')).size > 1000);
});

test('battery form: registration and site sent; the result shows the site, the DUoS streams and the tariff statement', { timeout: 60000 }, () => {
  const form = Object.assign({ power_mw: '2', energy_mwh: '4', efficiency_pct: '88', start_date: '2024-01-01', end_date: '2024-01-07',
    mode: 'forecast', registration: 'non_bm' }, SITE);
  const p = loadProject({ settings: SETTINGS });
  p.fakes.UrlFetchApp.handler = (req) => (req.url.endsWith('/v1/data/coverage') ? json({ datasets: [
    { dataset: 'system_prices', first_day: '2019-01-01', last_day: '2026-03-18' }] })
    : json({ mode: 'forecast', registration: 'non_bm', net_revenue_gbp: 1391.4, gbp_per_mw_per_year: 36272, equivalent_cycles: 3.1,
      streams: { energy_apx: 711.5, DRL: 1060.6, duos_import: -17.9, duos_generation_credit: 1042.4 }, assumptions: [NETWORK_NOTE] }));
  const answers = {
    [`sidebarState ${JSON.stringify([])}`]: Object.assign(plain(p.call('sidebarState')), { tab: 'battery' }),
    [`sidebarDataRange ${JSON.stringify([])}`]: plain(p.call('sidebarDataRange')),
    [`sidebarValueBattery ${JSON.stringify([form])}`]: plain(p.call('sidebarValueBattery', form)),
  };
  const steps = [
    "report.options = Array.prototype.map.call(document.querySelectorAll('#registration option'), function (o) { return o.value + '=' + o.textContent; }); " +
      "report.defaultRegistration = document.getElementById('registration').value; " +
      "set('power_mw', '2'); set('energy_mwh', '4'); set('start_date', '2024-01-01'); set('end_date', '2024-01-07'); set('registration', 'non_bm'); " +
      "set('distributor', '10'); set('import_tariff', 'HV Site Specific No Residual'); set('export_tariff', 'HV Generation Site Specific'); submit('battery-form');",
    "document.getElementById('result-details').open = true; report.more = text('#result-more'); report.notes = text('#result-notes');",
  ];
  const report = renderReport(chromium(), 'Sidebar.html', answers, driver(steps));
  assert.deepEqual(report.options, ['bm=BM unit', 'non_bm=Non-BM', 'none=Not modelled']);
  assert.equal(report.defaultRegistration, 'bm');
  assert.match(report.more, /Site \(DUoS\)distributor 10, import HV Site Specific No Residual, export HV Generation Site Specific/);
  assert.match(report.more, /Revenue: DUoS import−£18Revenue: DUoS generation credit£1,042/);
  assert.match(report.more, /RegistrationNon-BM/);
  assert.equal(report.notes, NETWORK_NOTE);
  assert.ok(report.right <= 300, `the battery form reaches ${report.right} px`);
  assert.ok(fs.statSync(paint(chromium(), 'Sidebar.html', answers, driver(steps), 'gbess-sidebar-300-battery-site.png', 1500)).size > 1000);
});

test('fleet panel: the tables from the real fleetPanel, numbers right-aligned, shared styles applied', { timeout: 60000 }, () => {
  const form = { from: '2026-09-30', to: '2026-09-30' };
  const p = loadProject({ settings: SETTINGS });
  p.fakes.UrlFetchApp.handler = () => json(FLEET);
  const answers = { [`fleetPanel ${JSON.stringify([form])}`]: plain(p.call('fleetPanel', form)) };
  const steps = [
    "set('from', '2026-09-30'); set('to', '2026-09-30'); submit('form');",
    "report.title = text('#result h3'); report.tables = document.querySelectorAll('#result table').length; " +
      "report.firstRow = Array.prototype.map.call(document.querySelector('#result table').rows[1].cells, function (td) { return td.className + ':' + td.textContent; }); " +
      "report.styles = [style('td.num', 'textAlign'), style('th', 'fontSize'), style('h3', 'fontSize'), style('.note', 'color')];",
  ];
  const report = renderReport(chromium(), 'Fleet.html', answers, driver(steps));
  assert.equal(report.title, '2 battery BM units — BM 2026-09-30');
  assert.equal(report.tables, 4);
  assert.deepEqual(report.firstRow, [':T_LKSDB-1', ':Lakeside Energy Storage Ltd', 'num:105.0', 'num:60.0%',
    ':transmission-connected (no GSP group)', ':site company', 'num:12,346', 'num:118']);
  assert.deepEqual(report.styles, ['right', '12px', '13px', 'rgb(85, 85, 85)']);
  assert.deepEqual(report.calls, [`fleetPanel ${JSON.stringify([form])}`]);
  // (Not held to 300 px: the units table, eight columns, is wider than the sidebar, as it was.)
  assert.ok(fs.statSync(paint(chromium(), 'Fleet.html', answers, driver(steps.slice(0, 1)), 'gbess-fleet-300.png')).size > 1000);
});
