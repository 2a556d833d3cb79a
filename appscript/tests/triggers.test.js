'use strict';
// Triggers.gs: the installable edit handler (debounced, one request per edit batch,
// one setValues per block) and the time-driven refresh.

const test = require('node:test');
const assert = require('node:assert/strict');
const { loadProject, plain, problem, json, SETTINGS } = require('./harness');

function project() {
  const p = loadProject({ settings: SETTINGS });
  p.fakes.UrlFetchApp.handler = (req) => {
    const { queries } = JSON.parse(req.payload);
    return json({ results: queries.map((q) => ({ query: q, distributor_id: q.startsWith('G') ? 18 : 12,
      distributor_name: q.startsWith('G') ? 'SP Distribution' : 'London Power Networks',
      gsp_group_id: q.startsWith('G') ? '_N' : '_C', match: 'postcode_district', warnings: [] })) });
  };
  const sites = p.ss.insertSheet('Sites input');
  sites.load(1, 1, [['Name', 'Postcode', 'MPAN', 'Tariff'], ['HQ', 'SW1A 1AA', '', 'LV'], ['Depot', '', '', ''],
    ['Mill', 'G1 1AA', '', ''], ['Yard', '', '', ''], ['Store', 'EC1A 1BB', '', '']]);
  p.sites = sites;
  p.edit = (a1) => p.call('onSitesEdit', { range: sites.getRange(a1), source: p.ss });
  return p;
}

test('an edit of a postcode cell looks the row up and writes it right of the inputs, with headers', () => {
  const p = project();
  p.edit('B2');
  assert.equal(p.fakes.UrlFetchApp.requests.length, 1);
  assert.deepEqual(JSON.parse(p.fakes.UrlFetchApp.requests[0].payload).queries, ['SW1A 1AA']);
  assert.deepEqual(plain(p.sites.getRange('E1:I2').getValues()), [
    ['Distributor id', 'DNO', 'GSP group', 'Match', 'Warnings'],
    ['12', 'London Power Networks', '_C', 'postcode_district', ''],
  ]);
  assert.deepEqual(p.fakes.Utilities.sleeps, [2000], 'waited for the edit burst to end');
  // Next edit: the output column is found by its header, not appended again.
  p.sites.load(3, 2, [['G2 2BB']]);
  p.edit('B3');
  assert.deepEqual(plain(p.sites.getRange('E3:G3').getValues()), [['18', 'SP Distribution', '_N']]);
  assert.equal(p.sites.getRange('J1').getValue(), '');
});

test('a pasted block: one request; non-contiguous rows written with one setValues per block', () => {
  const p = project();
  // The user pastes into B2:B6; rows 3 and 5 stay empty (their outputs are cleared).
  p.edit('B2:B6');
  assert.equal(p.fakes.UrlFetchApp.requests.length, 1);
  assert.deepEqual(JSON.parse(p.fakes.UrlFetchApp.requests[0].payload).queries, ['SW1A 1AA', 'G1 1AA', 'EC1A 1BB']);
  const rowWrites = p.ss.writes.filter((w) => w.sheet === 'Sites input' && w.a1 !== 'E1:I1');
  assert.deepEqual(rowWrites.map((w) => w.a1), ['E2:I6']);
  assert.deepEqual(plain(p.sites.getRange('E2:E6').getValues()).flat(), ['12', '', '18', '', '12']);
});

test('debounce: an edit arriving while the first waits is folded into ONE request', () => {
  const p = project();
  let second = true;
  p.fakes.Utilities.onSleep = () => {
    // While the first handler sleeps, the user edits row 6 (a second execution).
    if (second) {
      second = false;
      assert.equal(p.edit('B6'), 4 - 2, 'the later edit looks up both pending blocks');
    }
  };
  const first = p.edit('B2');
  assert.equal(first, 0, 'the earlier edit left the work to the later one');
  assert.equal(p.fakes.UrlFetchApp.requests.length, 1);
  assert.deepEqual(JSON.parse(p.fakes.UrlFetchApp.requests[0].payload).queries, ['SW1A 1AA', 'EC1A 1BB']);
  const rowWrites = p.ss.writes.filter((w) => w.sheet === 'Sites input' && w.a1 !== 'E1:I1');
  assert.deepEqual(rowWrites.map((w) => w.a1), ['E2:I2', 'E6:I6'], 'one setValues per block');
  assert.equal(p.fakes.LockService.document.held, false, 'lock released');
});

test('edits elsewhere do nothing: other tabs, non-query columns, the header row', () => {
  const p = project();
  const other = p.ss.getActiveSheet();
  other.load(1, 1, [['Postcode'], ['SW1A 1AA']]);
  assert.equal(p.call('onSitesEdit', { range: other.getRange('A2') }), 0);
  p.edit('D2');
  p.edit('A1:D1');
  assert.equal(p.fakes.UrlFetchApp.requests.length, 0);
  assert.deepEqual(p.fakes.Utilities.sleeps, []);
});

test('a configured Sites tab name is honoured; a tab without a Postcode/MPAN header is ignored', () => {
  const p = project();
  p.fakes.PropertiesService.document.store.GBESS_SITES_SHEET = 'My sites';
  p.edit('B2');
  assert.equal(p.fakes.UrlFetchApp.requests.length, 0);
  const mine = p.ss.insertSheet('My sites');
  mine.load(1, 1, [['Site', 'Where'], ['x', 'SW1A 1AA']]);
  p.call('onSitesEdit', { range: mine.getRange('B2') });
  assert.equal(p.fakes.UrlFetchApp.requests.length, 0);
  mine.load(1, 2, [['Supply MPAN']]);
  p.call('onSitesEdit', { range: mine.getRange('B2') });
  assert.equal(p.fakes.UrlFetchApp.requests.length, 1);
});

test('when the service fails, each edited row says why (not a silent no-op)', () => {
  const p = project();
  p.fakes.UrlFetchApp.handler = () => problem(401, 'Unauthorized', 'stale timestamp');
  p.edit('B2');
  assert.match(p.sites.getRange('E2').getValue(), /^#GBESS: The service refused the credentials \(401: stale timestamp\)/);
});

test('scheduledRefresh posts /v1/jobs/refresh, records the outcome, and rethrows failures', () => {
  const p = project();
  p.fakes.UrlFetchApp.handler = (req) => {
    assert.equal(req.method, 'POST');
    assert.ok(req.headers['X-Gbess-Signature']);
    return json({ backend: 'local', ok: true, requests: {}, duration_s: 1, tabs: [{ job: 'Market', status: 'ok', rows: 30 }] });
  };
  p.call('scheduledRefresh', {});
  assert.deepEqual(JSON.parse(p.fakes.PropertiesService.document.store.GBESS_LAST_REFRESH),
    { source: 'schedule', started: '2026-01-15T12:00:00.000Z', status: 'ok', summary: 'Dashboard refreshed: 1 tabs in 1.0 s (local).\nMarket: ok, 30 rows' });
  // Jobs that failed inside a 200 answer fail the trigger run (Apps Script then reports it).
  p.fakes.UrlFetchApp.handler = () => json({ backend: 'local', ok: false, requests: {}, duration_s: 1, tabs: [{ job: 'Fleet', status: 'error', rows: 0, error: 'no data' }] });
  assert.throws(() => p.call('scheduledRefresh', {}), /1 of 1 dashboard tabs failed in 1\.0 s \(local\)\.\nFleet: error — no data/);
  assert.match(p.call('describeTriggers_', p.services()), /Last refresh \(schedule, .*\): failed: 1 of 1 dashboard tabs failed/);
  p.fakes.UrlFetchApp.handler = () => json({ unexpected: true });
  assert.throws(() => p.call('scheduledRefresh', {}), /without a run summary/);
  p.fakes.UrlFetchApp.handler = () => ({ code: 502, body: '<html>Bad Gateway</html>' });
  assert.throws(() => p.call('scheduledRefresh', {}), /Bad gateway \(502\): Bad Gateway \(after 4 attempts\)/);
  const last = JSON.parse(p.fakes.PropertiesService.document.store.GBESS_LAST_REFRESH);
  assert.equal(last.status, 'error');
  assert.match(p.call('describeTriggers_', p.services()), /Last refresh \(schedule, 2026-01-15T12:00:0\d.000Z\): failed: Bad gateway/);
});

test('rowBlocks_ groups sorted, de-duplicated rows into contiguous blocks', () => {
  const p = project();
  assert.deepEqual(plain(p.call('rowBlocks_', [7, 2, 3, 3, 5, 6])), [{ first: 2, count: 2 }, { first: 5, count: 3 }]);
});
