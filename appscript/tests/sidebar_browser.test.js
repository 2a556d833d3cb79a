'use strict';
// The sidebar page rendered in headless Chromium with a stub google.script.run whose
// answers come from the REAL server functions (Sidebar.gs run in node:vm against the
// fakes): a form submission shows a result table, another shows a validation error
// next to its field, and "Write to sheet" reports where it wrote.

const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { spawnSync } = require('node:child_process');
const { loadProject, plain, json, SETTINGS, SRC } = require('./harness');

function findChromium() {
  for (const name of ['chromium', 'chromium-browser', 'google-chrome']) {
    const r = spawnSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' });
    if (r.status === 0) return r.stdout.trim();
  }
  return null;
}

// What the page will send (formData gives every named field as a string).
const SITE_FORM = { postcode: 'SW1A 1AA', mpan: '', tariff: '', capacity_kva: '' };
const BATTERY_FORM = { power_mw: '0', energy_mwh: '4', efficiency_pct: '88', start_date: '2024-01-01', end_date: '2024-12-31' };

function cannedAnswers() {
  const p = loadProject({ settings: SETTINGS });
  p.fakes.UrlFetchApp.handler = () => json({ results: [{ query: 'SW1A 1AA', distributor_id: 12, distributor_name: 'London Power Networks', gsp_group_id: '_C', match: 'postcode_district', warnings: [] }] });
  const site = plain(p.call('sidebarLookupSite', SITE_FORM));
  const battery = plain(p.call('sidebarValueBattery', BATTERY_FORM));
  const write = plain(p.call('sidebarWriteResults', { title: site.title, table: site.table }));
  return {
    [`sidebarState ${JSON.stringify([])}`]: plain(p.call('sidebarState')),
    [`sidebarLookupSite ${JSON.stringify([SITE_FORM])}`]: site,
    [`sidebarValueBattery ${JSON.stringify([BATTERY_FORM])}`]: battery,
    [`sidebarWriteResults ${JSON.stringify([{ title: site.title, table: site.table }])}`]: write,
  };
}

function stubScript(answers) {
  return `<script>
  (function () {
    var answers = ${JSON.stringify(answers)};
    window.__calls = [];
    function runner(ok, fail) {
      var r = {
        withSuccessHandler: function (f) { return runner(f, fail); },
        withFailureHandler: function (f) { return runner(ok, f); }
      };
      return new Proxy(r, { get: function (t, name) {
        if (name in t) { return t[name]; }
        return function () {
          var args = Array.prototype.slice.call(arguments);
          var key = name + ' ' + JSON.stringify(args);
          window.__calls.push(key);
          setTimeout(function () {
            if (Object.prototype.hasOwnProperty.call(answers, key)) { ok && ok(answers[key]); }
            else { fail && fail(new Error('no canned answer for ' + key)); }
          }, 10);
        };
      } });
    }
    window.google = { script: { run: runner(null, null), host: { close: function () {} } } };
  })();
  </script>`;
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
      set('postcode', 'SW1A 1AA');
      submit('site-form');
      setTimeout(function () {
        var rows = Array.prototype.map.call(document.querySelectorAll('#result-table tr'), function (tr) {
          return Array.prototype.map.call(tr.cells, function (c) { return c.textContent; });
        });
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
            report.message = document.getElementById('message').textContent;
            report.calls = window.__calls;
            done();
          }, 200);
        }, 200);
      }, 200);
    }, 200);
  })();
  </script>`;

/** Renders an HTML file of the project with the stub and a driver; returns the driver's report. */
function renderReport(chromium, htmlFile, answers, driver) {
  const page = fs.readFileSync(path.join(SRC, htmlFile), 'utf8')
    .replace('<head>', `<head>${stubScript(answers)}`)
    .replace('</body>', `${driver}</body>`);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gbess-sidebar-'));
  const file = path.join(dir, 'page.html');
  fs.writeFileSync(file, page);
  const r = spawnSync(chromium, ['--headless', '--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage',
    `--user-data-dir=${path.join(dir, 'profile')}`, '--virtual-time-budget=10000', '--dump-dom', `file://${file}`],
  { encoding: 'utf8', timeout: 50000 });
  fs.rmSync(dir, { recursive: true, force: true });
  const m = /<pre id="test-report">([\s\S]*?)<\/pre>/.exec(r.stdout || '');
  assert.ok(m, `no report in the dumped DOM (status ${r.status}): ${(r.stderr || '').slice(-500)}`);
  return JSON.parse(m[1].replace(/&quot;/g, '"').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&'));
}

test('the sidebar renders in headless Chromium: result table, write-back, validation error', { timeout: 60000 }, () => {
  const chromium = findChromium();
  // `make test` installs Debian chromium when it is missing; without it this test fails.
  assert.ok(chromium, 'chromium is not installed (make test installs it: apt-get install chromium)');
  const report = renderReport(chromium, 'Sidebar.html', cannedAnswers(), DRIVER);
  assert.equal(report.initialTab, 'true');
  assert.equal(report.resultVisible, true);
  assert.equal(report.resultTitle, 'Site SW1A 1AA');
  assert.deepEqual(report.rows[0], ['Field', 'Value']);
  assert.deepEqual(report.rows.find((r) => r[0] === 'gsp_group_id'), ['gsp_group_id', '_C']);
  assert.deepEqual(report.rows.find((r) => r[0] === 'distributor_name'), ['distributor_name', 'London Power Networks']);
  assert.equal(report.written, 'Written to gbess results!A1:B7');
  assert.equal(report.batteryVisible, true);
  assert.equal(report.powerError, 'Power must be more than 0.');
  assert.equal(report.powerInvalid, 'true');
  assert.equal(report.energyError, '');
  assert.equal(report.message, '');
  assert.deepEqual(report.calls.map((c) => c.split(' ')[0]), ['sidebarState', 'sidebarLookupSite', 'sidebarWriteResults', 'sidebarValueBattery']);
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
