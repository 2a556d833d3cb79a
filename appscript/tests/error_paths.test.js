'use strict';
// Every entry point (menu handlers, custom functions, triggers, sidebar and settings
// server functions) against every failure of the service: 401, 413, 500, a timeout and
// a malformed answer. Each must show the user one readable reason — an alert, an
// in-cell "#GBESS: …", a field error or a returned message — and write no results.

const test = require('node:test');
const assert = require('node:assert/strict');
const { loadProject, plain, problem, SETTINGS } = require('./harness');

const FAILURES = {
  401: [() => problem(401, 'Unauthorized', 'X-Gbess-Signature does not match the body and timestamp'), /refused the credentials \(401: X-Gbess-Signature does not match/],
  413: [() => problem(413, 'Payload Too Large', 'request body over 5242880 bytes'), /Too much data for one request \(413: request body over 5242880 bytes\)/],
  500: [() => problem(500, 'Internal Server Error', 'unexpected error (request id 5f0c)'), /Internal Server Error \(500\): unexpected error \(request id 5f0c\)/],
  timeout: [(req) => { throw new Error(`Exception: Timeout: ${req.url}`); }, /Could not reach the service at https:\/\/gbess\.example\.run\.app\/[\w/.]+: Timeout: /],
  malformed: [() => ({ code: 200, headers: { 'Content-Type': 'text/html' }, body: '<html><body>Service starting</body></html>' }), /with something that is not JSON: "Service starting"/],
};

function profile(p, header) {
  const sheet = p.ss.getActiveSheet();
  sheet.load(1, 1, [header, ['2025-06-02T15:00:00Z', 100], ['2025-06-02T15:30:00Z', 100]]);
  p.ss.select(sheet.getRange('A1:B3'));
}

const ENTRY_POINTS = {
  menuLookupSelection: {
    run(p) {
      p.ss.getActiveSheet().load(1, 1, [['SW1A 1AA']]);
      p.ss.select(p.ss.getActiveSheet().getRange('A1'));
      p.call('menuLookupSelection');
      assert.equal(p.ss.getActiveSheet().getRange('B1').getValue(), '', 'nothing written');
      return p.ui.alerts.at(-1).prompt;
    },
  },
  menuCostDuos: {
    run(p) {
      profile(p, ['interval_start', 'import_kwh']);
      p.ui.promptAnswers.push(['OK', '14, HV Site Specific Band 1, 1500']);
      p.call('menuCostDuos');
      assert.equal(p.ss.getSheetByName('DUoS cost'), null, 'nothing written');
      return p.ui.alerts.at(-1).prompt;
    },
  },
  menuBtm: {
    run(p) {
      profile(p, ['interval_start', 'import_kwh']);
      p.ui.promptAnswers.push(['OK', '14, HV Site Specific Band 1, 1500'], ['OK', '85, 2, 4']);
      p.call('menuBtm');
      assert.equal(p.ss.getSheetByName('BtM PPA'), null, 'nothing written');
      return p.ui.alerts.at(-1).prompt;
    },
  },
  menuRefreshNow: {
    run(p) {
      p.call('menuRefreshNow');
      assert.equal(JSON.parse(p.fakes.PropertiesService.document.store.GBESS_LAST_REFRESH).status, 'error');
      return p.ui.alerts.at(-1).prompt;
    },
  },
  GBESS_LOOKUP: {
    run(p) {
      const out = plain(p.asCustomFunction(() => p.call('GBESS_LOOKUP', [['SW1A 1AA'], ['EC1A 1BB']])));
      assert.equal(out.length, 1);
      assert.match(out[0][0], /^#GBESS: /);
      return out[0][0];
    },
  },
  GBESS_DUOS_RATES: {
    run(p) {
      const out = plain(p.asCustomFunction(() => p.call('GBESS_DUOS_RATES', 14, 'HV Site Specific Band 1', '2025-06-01')));
      assert.match(out[0][0], /^#GBESS: /);
      return out[0][0];
    },
  },
  onSitesEdit: {
    run(p) {
      const sites = p.ss.insertSheet('Sites input');
      sites.load(1, 1, [['Name', 'Postcode'], ['HQ', 'SW1A 1AA']]);
      p.call('onSitesEdit', { range: sites.getRange('B2') });
      return sites.getRange('C2').getValue();
    },
  },
  scheduledRefresh: {
    run(p) {
      let message = '';
      assert.throws(() => p.call('scheduledRefresh', {}), (err) => { message = err.message; return true; });
      return message;
    },
  },
  sidebarLookupSite: {
    run(p) {
      const out = plain(p.call('sidebarLookupSite', { postcode: 'SW1A 1AA' }));
      assert.equal(out.ok, false);
      return out.message || Object.values(out.errors).join(' ');
    },
  },
  sidebarValueBattery: {
    run(p) {
      const out = plain(p.call('sidebarValueBattery', { power_mw: '2', energy_mwh: '4', efficiency_pct: '88', start_date: '2024-01-01', end_date: '2024-01-31' }));
      assert.equal(out.ok, false);
      return out.message || Object.values(out.errors).join(' ');
    },
  },
  testConnection: {
    run(p) {
      const out = plain(p.call('testConnection'));
      assert.equal(out.ok, false);
      return out.message;
    },
  },
};

for (const [entry, { run }] of Object.entries(ENTRY_POINTS)) {
  for (const [failure, [respond, reason]] of Object.entries(FAILURES)) {
    test(`${entry}: ${failure} → a readable reason, no results written`, () => {
      const p = loadProject({ settings: SETTINGS });
      p.fakes.UrlFetchApp.handler = respond;
      const seen = run(p);
      assert.match(seen, reason);
      assert.doesNotMatch(seen, /\n\s+at |TypeError|ReferenceError|undefined/, 'no stack traces or JS errors');
    });
  }
}
