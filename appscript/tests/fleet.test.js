'use strict';
// Fleet.gs: the battery fleet panel over GET /v1/fleet.

const test = require('node:test');
const assert = require('node:assert/strict');
const { loadProject, plain, problem, json, SETTINGS } = require('./harness');

function project(settings = SETTINGS) {
  return loadProject({ settings });
}

const { DOCUMENT } = require('./fleet_fixture');

test('menu item opens the fleet panel as a sidebar', () => {
  const p = project();
  p.call('menuFleet');
  assert.equal(p.ui.sidebars.length, 1);
  assert.equal(p.ui.sidebars[0].title, 'gbess fleet');
});

test('fleetPanel: dates checked before any request', () => {
  const p = project();
  assert.deepEqual(plain(p.call('fleetPanel', { from: '30/09/2026', to: '' })),
    { ok: false, errors: { from: 'Use a date like 2026-09-30.' } });
  assert.deepEqual(plain(p.call('fleetPanel', { from: '2026-09-30', to: '2026-09-01' })),
    { ok: false, errors: { to: 'The last date is before the first.' } });
  assert.deepEqual(plain(p.call('fleetPanel', { from: '', to: '2026-09-01' })),
    { ok: false, errors: { from: 'Give the first settlement date too.' } });
  assert.equal(p.fakes.UrlFetchApp.requests.length, 0);
});

test('fleetPanel: one signed GET with the dates; absent figures are — with the reason, never 0', () => {
  const p = project();
  p.fakes.UrlFetchApp.handler = () => json(DOCUMENT);
  const out = plain(p.call('fleetPanel', { from: '2026-09-30', to: '2026-09-30' }));
  const request = p.fakes.UrlFetchApp.requests[0];
  assert.equal(request.url, 'https://gbess.example.run.app/v1/fleet?from=2026-09-30&to=2026-09-30');
  assert.equal(request.method, 'GET');
  assert.ok(request.headers['X-Gbess-Signature'].startsWith('v2='));
  assert.equal(out.ok, true);
  assert.equal(out.title, '2 battery BM units — BM 2026-09-30');
  assert.deepEqual(out.units.rows[0], ['T_LKSDB-1', 'Lakeside Energy Storage Ltd', '105.0', '60.0%',
    'transmission-connected (no GSP group)', 'site company', '12,346', '118']);
  assert.deepEqual(out.units.rows[1].slice(5), ['—', '—', '—']);
  assert.ok(out.notes.includes('BM £ —: BOD not loaded for 2026-09-30 (gbess ingest elexon bod)'));
  assert.ok(out.notes.some((n) => n.startsWith('Dynamic response £ —: ')));
  assert.deepEqual(out.routes.rows, [['site company', '2', '175.0', '100.0%', '—']]);
});

test('fleetPanel: a 422 naming from lands next to that field', () => {
  const p = project();
  p.fakes.UrlFetchApp.handler = () => problem(422, 'Validation error', 'from: not a date', 'from');
  const out = plain(p.call('fleetPanel', { from: '2026-02-30' }));
  assert.equal(out.ok, false);
  assert.ok(out.errors.from.includes('not a date'));
});

test('fleetPanel: without dates asks for the registry only', () => {
  const p = project();
  p.fakes.UrlFetchApp.handler = () => json(Object.assign({}, DOCUMENT, { period: null }));
  const out = plain(p.call('fleetPanel', {}));
  assert.equal(p.fakes.UrlFetchApp.requests[0].url, 'https://gbess.example.run.app/v1/fleet');
  assert.equal(out.title, '2 battery BM units');
});
