'use strict';
// The sidebar page rendered in headless Chromium with a stub google.script.run whose
// answers come from the REAL server functions (Sidebar.gs run in node:vm against the
// fakes): a form submission shows a result table, another shows a validation error
// next to its field, and "Write to sheet" reports where it wrote.

const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const { loadProject, plain, json, SETTINGS } = require('./harness');
const { findChromium, renderReport, paint } = require('./browser');

// What the page will send (formData gives every named field as a string).
const SITE_FORM = { postcode: 'SW1A 1AA', mpan: '', tariff: '', capacity_kva: '' };
const NO_SITE = { registration: 'bm', distributor: '', import_tariff: '', export_tariff: '' };
const BATTERY_FORM = Object.assign({ power_mw: '0', energy_mwh: '4', efficiency_pct: '88', start_date: '2024-01-01', end_date: '2024-12-31', mode: 'forecast' }, NO_SITE);

// What GET /v1/data/coverage answers for the shipped data (UK days).
const COVERAGE = { warehouse_backend: 'duckdb', market_data: 'market data 2019-01-01 … 2026-03-18', summary: '',
  datasets: [
    { dataset: 'system_prices', label: 'system prices', rows: 126432, first_day: '2019-01-01', last_day: '2026-03-18', range: '' },
    { dataset: 'dynamic_response_results', label: 'DC/DM/DR clearing prices', rows: 57444, first_day: '2021-09-16', last_day: '2026-08-02', range: '' },
  ] };

function cannedAnswers() {
  const p = loadProject({ settings: SETTINGS });
  p.fakes.UrlFetchApp.handler = (req) => (req.url.endsWith('/v1/data/coverage') ? json(COVERAGE)
    : json({ results: [{ query: 'SW1A 1AA', distributor_id: 12, distributor_name: 'London Power Networks', gsp_group_id: '_C', match: 'postcode_district', warnings: [] }] }));
  const range = plain(p.call('sidebarDataRange'));
  const site = plain(p.call('sidebarLookupSite', SITE_FORM));
  const battery = plain(p.call('sidebarValueBattery', BATTERY_FORM));
  const write = plain(p.call('sidebarWriteResults', { title: site.title, table: site.table }));
  return {
    [`sidebarState ${JSON.stringify([])}`]: plain(p.call('sidebarState')),
    [`sidebarDataRange ${JSON.stringify([])}`]: range,
    [`sidebarLookupSite ${JSON.stringify([SITE_FORM])}`]: site,
    [`sidebarValueBattery ${JSON.stringify([BATTERY_FORM])}`]: battery,
    [`sidebarWriteResults ${JSON.stringify([{ title: site.title, table: site.table }])}`]: write,
  };
}

const DRIVER = `<script>
  (function () {
    var report = {};
    function set(id, v) { document.getElementById(id).value = v; }
    function submit(id) { document.getElementById(id).dispatchEvent(new Event('submit', { cancelable: true })); }
    function done() {
      var pre = document.createElement('pre');
      pre.id = 'test-report';
      pre.textContent = JSON.stringify(report);
      document.body.appendChild(pre);
    }
    setTimeout(function () {
      report.initialTab = document.getElementById('tab-site').getAttribute('aria-selected');
      // Before anything is typed: the range held beside the dates, the dates inside it.
      report.openingRange = document.getElementById('range-battery').textContent;
      report.defaultDates = [document.getElementById('start_date').value, document.getElementById('end_date').value];
      set('postcode', 'SW1A 1AA');
      submit('site-form');
      setTimeout(function () {
        var rows = Array.prototype.map.call(document.querySelectorAll('#result-card dt'), function (dt) {
          return [dt.textContent, dt.nextElementSibling.textContent];
        });
        // The right edge of whatever is drawn furthest right (the page is 300 px wide).
        report.pageWidth = Math.max.apply(null, Array.prototype.map.call(document.querySelectorAll('body *'), function (el) {
          return el.getBoundingClientRect().right;
        }));
        report.cardRight = document.getElementById('result').getBoundingClientRect().right;
        report.detailsOpen = document.getElementById('result-details').open;
        report.resultVisible = !document.getElementById('result').hidden;
        report.resultTitle = document.getElementById('result-title').textContent;
        report.rows = rows;
        document.getElementById('write-results').click();
        setTimeout(function () {
          report.written = document.getElementById('written').textContent;
          document.getElementById('tab-battery').click();
          report.batteryVisible = !document.getElementById('battery-form').hidden;
          set('power_mw', '0'); set('energy_mwh', '4'); set('start_date', '2024-01-01'); set('end_date', '2024-12-31');
          submit('battery-form');
          setTimeout(function () {
            report.powerError = document.querySelector('[data-error-for="power_mw"]').textContent;
            report.powerInvalid = document.getElementById('power_mw').getAttribute('aria-invalid');
            report.energyError = document.querySelector('[data-error-for="energy_mwh"]').textContent;
            report.modeOptions = Array.prototype.map.call(document.querySelectorAll('#mode option'), function (o) { return o.value + '=' + o.textContent; });
            report.batteryRange = document.getElementById('range-battery').textContent;
            report.siteRange = document.getElementById('range-site').textContent;
            report.message = document.getElementById('message').textContent;
            report.calls = window.__calls;
            done();
          }, 200);
        }, 200);
      }, 200);
    }, 200);
  })();
  </script>`;

test('the sidebar renders in headless Chromium: result table, write-back, validation error', { timeout: 60000 }, () => {
  const chromium = findChromium();
  // `make test` installs Debian chromium when it is missing; without it this test fails.
  assert.ok(chromium, 'chromium is not installed (make test installs it: apt-get install chromium)');
  const report = renderReport(chromium, 'Sidebar.html', cannedAnswers(), DRIVER);
  assert.equal(report.initialTab, 'true');
  assert.equal(report.resultVisible, true);
  assert.equal(report.resultTitle, 'Site SW1A 1AA');
  // A card of human labels, ids once, and nothing wider than the 300 px sidebar.
  assert.deepEqual(report.rows, [['Network operator', 'London Power Networks (12)'], ['GSP group', '_C']]);
  assert.equal(report.detailsOpen, false);
  assert.ok(report.pageWidth <= 300, `page is ${report.pageWidth} px wide at 300 px`);
  assert.ok(report.cardRight <= 300, `result card ends at ${report.cardRight} px`);
  assert.equal(report.written, 'Written to gbess results!A1:B5');
  assert.equal(report.batteryVisible, true);
  assert.equal(report.powerError, 'Power must be more than 0.');
  assert.equal(report.powerInvalid, 'true');
  assert.equal(report.energyError, '');
  assert.equal(report.message, '');
  assert.deepEqual(report.modeOptions, ['forecast=Forecast (decided on day-ahead forecasts)', 'perfect_foresight=Upper bound (perfect foresight)']);
  assert.match(report.batteryRange, /^Market data/);
  assert.match(report.siteRange, /^DUoS rates/);
  assert.equal(report.openingRange, 'Market data 2019-01-01 to 2026-03-18; DC/DM/DR prices 2021-09-16 to 2026-08-02.');
  assert.deepEqual(report.defaultDates, ['2026-02-01', '2026-02-28']);
  assert.deepEqual(report.calls.map((c) => c.split(' ')[0]), ['sidebarState', 'sidebarDataRange', 'sidebarLookupSite', 'sidebarWriteResults', 'sidebarValueBattery']);
});

// A realistic revenue answer (numbers as the service sends them, unrounded).
const REVENUE = { mode: 'perfect_foresight', from: '2024-12-02', to: '2024-12-31', power_mw: 1, energy_mwh: 2,
  round_trip_efficiency: 0.8800000000000001, services: ['DCL', 'DCH', 'DML', 'DMH', 'DRL', 'DRH'], energy_markets: ['apx', 'system'],
  net_revenue_gbp: 14316.763230560286, gbp_per_mw_per_year: 174181.2855, equivalent_cycles: 31.77,
  streams: { energy_apx: 4424.87, energy_system: 31464.02, DCL: 2089.75, DCH: -0.0001 }, costs: { degradation: 0, auxiliary: 0 },
  hours_in_service: 512, mean_service_mw: 0.61, capture_ratio: null, solve_seconds: 0.82,
  by_month: [{ month: '2024-12' }], by_efa_block: [{ efa_block: 1 }],
  assumptions: ['response energy nets to zero over each EFA block', 'prices as settled, no forecast error'],
  data_range: { from: '2019-01-01', to: '2026-03-18' } };
const GOOD_BATTERY = Object.assign({ power_mw: '1', energy_mwh: '2', efficiency_pct: '88', start_date: '2024-12-02', end_date: '2024-12-31', mode: 'perfect_foresight' }, NO_SITE);
const RATES = { tariff_name: 'HV Site Specific Band 1', distributor_id: '12', gsp_group_id: '_C', voltage_level: 'HV', direction: 'demand',
  years: [{ charging_year: '2025/26', rates: { red_p_per_kwh: 2.141, amber_p_per_kwh: 0.111, green_p_per_kwh: 0.008, fixed_p_per_mpan_per_day: 219.17,
    capacity_p_per_kva_per_day: 4.49, exceeded_capacity_p_per_kva_per_day: 4.49, reactive_power_p_per_kvarh: 0.147 },
  band_windows: [{ day_type: 'weekday', band: 'red', start_uk_clock: '11:00', end_uk_clock: '14:00', months: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12] }],
  source_doc_id: '2025-LOND' }] };
const SITE_WITH_TARIFF = { postcode: 'EC2R 8AH', mpan: '', tariff: 'HV Site Specific Band 1', capacity_kva: '1500' };

function screenshotAnswers() {
  const p = loadProject({ settings: SETTINGS });
  p.fakes.UrlFetchApp.handler = (req) => {
    if (req.url.endsWith('/v1/lookup')) {
      return json({ results: [{ query: 'EC2R 8AH', kind: 'postcode', distributor_id: '12', distributor_name: 'London Power Networks', distributor_type: 'DNO',
        licence_area: 'London', gsp_group_id: '_C', gsp_group_name: 'London', operator_group: 'UK Power Networks', market_participant_id: 'LOND',
        match: 'postcode_district', candidates: [], warnings: [], postcode: 'EC2R 8AH' }] });
    }
    if (req.url.endsWith('/v1/data/coverage')) {
      return json(COVERAGE);
    }
    return json(req.url.endsWith('/v1/duos/rates') ? RATES : REVENUE);
  };
  return {
    [`sidebarState ${JSON.stringify([])}`]: plain(p.call('sidebarState')),
    [`sidebarDataRange ${JSON.stringify([])}`]: plain(p.call('sidebarDataRange')),
    [`sidebarLookupSite ${JSON.stringify([SITE_WITH_TARIFF])}`]: plain(p.call('sidebarLookupSite', SITE_WITH_TARIFF)),
    [`sidebarValueBattery ${JSON.stringify([GOOD_BATTERY])}`]: plain(p.call('sidebarValueBattery', GOOD_BATTERY)),
  };
}

function screenshotDriver(which) {
  const fill = {
    site: "set('postcode', 'EC2R 8AH'); set('mpan', ''); set('tariff', 'HV Site Specific Band 1'); set('capacity_kva', '1500'); submit('site-form');",
    battery: "document.getElementById('tab-battery').click(); set('power_mw', '1'); set('energy_mwh', '2'); set('efficiency_pct', '88'); " +
      "set('start_date', '2024-12-02'); set('end_date', '2024-12-31'); set('mode', 'perfect_foresight'); submit('battery-form');",
    // The battery form as it opens: nothing typed, the range and default dates shown.
    'battery-form': "document.getElementById('tab-battery').click();",
  }[which];
  return `<script>
  (function () {
    function set(id, v) { document.getElementById(id).value = v; }
    function submit(id) { document.getElementById(id).dispatchEvent(new Event('submit', { cancelable: true })); }
    setTimeout(function () {
      ${fill}
      setTimeout(function () {
        document.getElementById('result-details').open = ${which === 'battery'};
        var right = Math.max.apply(null, Array.prototype.map.call(document.querySelectorAll('body *'), function (el) {
          return el.getBoundingClientRect().right;
        }));
        var pre = document.createElement('pre');
        pre.id = 'test-report';
        pre.hidden = true;
        pre.textContent = JSON.stringify({ right: right, card: document.getElementById('result-card').textContent,
          more: document.getElementById('result-more').textContent, mode: document.getElementById('result-mode').textContent, range: document.getElementById('range-' + '${which === 'site' ? 'site' : 'battery'}').textContent });
        document.body.appendChild(pre);
      }, 200);
    }, 200);
  })();
  </script>`;
}

test('at 300 px the result card fits: money to the pound, % for fractions, mode shown, internals hidden', { timeout: 60000 }, () => {
  const chromium = findChromium();
  assert.ok(chromium, 'chromium is not installed (make test installs it: apt-get install chromium)');
  const answers = screenshotAnswers();
  const site = renderReport(chromium, 'Sidebar.html', answers, screenshotDriver('site'));
  assert.ok(site.right <= 300, `the site result reaches ${site.right} px`);
  assert.match(site.card, /London Power Networks \(12, DNO\)/);
  assert.match(site.card, /2\.141 p\/kWh/);
  assert.equal(site.range, 'DUoS rates of charging year 2025/26');
  const battery = renderReport(chromium, 'Sidebar.html', answers, screenshotDriver('battery'));
  assert.ok(battery.right <= 300, `the battery result reaches ${battery.right} px`);
  assert.equal(battery.mode, 'Upper bound (perfect foresight)');
  assert.match(battery.card, /£14,317/);
  assert.match(battery.more, /88%/);
  assert.match(battery.more, /Revenue: DCH£0/);
  assert.match(battery.more, /Energy marketsAPX index, system price/);
  assert.doesNotMatch(battery.card + battery.more, /solve|0\.880000|14316\.76/);
  assert.equal(battery.range, 'Market data 2019-01-01 to 2026-03-18');
  const form = renderReport(chromium, 'Sidebar.html', answers, screenshotDriver('battery-form'));
  assert.ok(form.right <= 300, `the battery form reaches ${form.right} px`);
  assert.equal(form.range, 'Market data 2019-01-01 to 2026-03-18; DC/DM/DR prices 2021-09-16 to 2026-08-02.');
  for (const which of ['site', 'battery', 'battery-form']) {
    const png = paint(chromium, 'Sidebar.html', answers, screenshotDriver(which), `gbess-sidebar-300-${which}.png`);
    assert.ok(fs.statSync(png).size > 1000);
  }
});

const SETTINGS_FORM = { service_url: 'http://gbess.local', auth_mode: 'hmac', secret: '', sites_sheet: 'Sites input' };

const SETTINGS_DRIVER = `<script>
  (function () {
    var report = {};
    setTimeout(function () {
      report.prefilledSheet = document.getElementById('sites_sheet').value;
      document.getElementById('service_url').value = 'http://gbess.local';
      document.getElementById('settings').dispatchEvent(new Event('submit', { cancelable: true }));
      setTimeout(function () {
        report.urlError = document.querySelector('[data-error-for="service_url"]').textContent;
        report.secretError = document.querySelector('[data-error-for="secret"]').textContent;
        report.outcome = document.getElementById('outcome').textContent;
        var pre = document.createElement('pre');
        pre.id = 'test-report';
        pre.textContent = JSON.stringify(report);
        document.body.appendChild(pre);
      }, 200);
    }, 200);
  })();
  </script>`;

test('the Settings dialog renders and shows validation errors under their fields', { timeout: 60000 }, () => {
  const chromium = findChromium();
  assert.ok(chromium, 'chromium is not installed (make test installs it: apt-get install chromium)');
  const p = loadProject({});
  const answers = {
    [`getSettings ${JSON.stringify([])}`]: plain(p.call('getSettings')),
    [`saveSettings ${JSON.stringify([SETTINGS_FORM])}`]: plain(p.call('saveSettings', SETTINGS_FORM)),
  };
  const report = renderReport(chromium, 'Settings.html', answers, SETTINGS_DRIVER);
  assert.equal(report.prefilledSheet, 'Sites input');
  assert.match(report.urlError, /^The service URL must start with https:\/\//);
  assert.equal(report.secretError, "Enter the shared secret (the server's GBESS_HMAC_SECRET).");
  assert.equal(report.outcome, '');
});
