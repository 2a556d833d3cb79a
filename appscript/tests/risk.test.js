'use strict';
// Risk.gs: submit a risk run (a job id at once), poll its progress, write the result.

const test = require('node:test');
const assert = require('node:assert/strict');
const { loadProject, plain, problem, json, SETTINGS } = require('./harness');

const JOB = '123456789012345678';
const FORM = { power_mw: '1', duration_h: '2', scenarios: '200', regime: '2024-2026',
  threshold_gbp: '', toll_price_gbp_per_mw_per_year: '90000', confidence: '' };
const RESULT = {
  label: 'fast day-ahead policy (an approximation of the forecast mode)', regime: '2024-2026',
  scenarios: { total: 3 },
  annual: { mean_gbp: 110000, p10_gbp: 90000, p50_gbp: 120000, p90_gbp: 130000,
    var_cvar: [{ confidence: 0.95, var_gbp: 89000, cvar_gbp: 88000.4 }] },
  monthly_fan: [{ month: 1, p10_gbp: 7000, p50_gbp: 9000, p90_gbp: 11000 }],
  distribution: { edges_gbp: [80000, 100000, 140000], counts: [1, 2] },
  frontier: { confidence: 0.95, strategies: ['stack', 'merchant'], points: [
    { risk_aversion: 0, mean_gbp: 110000, cvar_gbp: 88000, toll_share: 0,
      strategy_share: { stack: 1, merchant: 0 } }] },
};

function project() {
  return loadProject({ settings: SETTINGS });
}

test('menu item opens the risk panel as a sidebar', () => {
  const p = project();
  p.call('menuRisk');
  assert.equal(p.ui.sidebars[0].title, 'gbess risk');
});

test('riskSubmit: fields checked before any request', () => {
  const p = project();
  const out = plain(p.call('riskSubmit', Object.assign({}, FORM,
    { scenarios: '0', regime: '2026-2024', confidence: '1', threshold_gbp: '-5' })));
  assert.equal(out.ok, false);
  assert.deepEqual(Object.keys(out.errors).sort(), ['confidence', 'regime', 'scenarios', 'threshold_gbp']);
  assert.equal(p.fakes.UrlFetchApp.requests.length, 0);
});

test('riskSubmit: one signed POST, the job id back at once', () => {
  const p = project();
  p.fakes.UrlFetchApp.handler = () => json({ job_id: JOB, status: 'queued', status_url: '/v1/jobs/' + JOB }, 202);
  const out = plain(p.call('riskSubmit', FORM));
  assert.deepEqual(out, { ok: true, job_id: JOB });
  const request = p.fakes.UrlFetchApp.requests[0];
  assert.equal(request.url, 'https://gbess.example.run.app/v1/bess/risk');
  assert.equal(request.method, 'POST');
  assert.deepEqual(JSON.parse(request.payload), { power_mw: 1, duration_h: 2, scenarios: 200,
    toll_price_gbp_per_mw_per_year: 90000, regime: '2024-2026' });
});

test('riskPoll: progress while running, the result written once complete', () => {
  const p = project();
  p.fakes.UrlFetchApp.handler = () => json({ job_id: JOB, status: 'running', progress_done: 40,
    progress_total: 202 });
  assert.deepEqual(plain(p.call('riskPoll', { job_id: JOB })),
    { ok: true, done: false, done_units: 40, total_units: 202 });
  assert.equal(p.fakes.UrlFetchApp.requests[0].url, 'https://gbess.example.run.app/v1/jobs/' + JOB);
  p.fakes.UrlFetchApp.handler = () => json({ job_id: JOB, status: 'complete', result: RESULT });
  const out = plain(p.call('riskPoll', { job_id: JOB }));
  assert.equal(out.done, true);
  assert.equal(out.summary, 'P10 £90,000, P50 £120,000, P90 £130,000, CVaR 95% £88,000');
  const sheet = p.ss.getSheetByName('Risk result');
  const values = sheet.getDataRange().getValues();
  assert.equal(values[0][0], RESULT.label + ' — 3 scenario-years, regime 2024-2026');
  assert.ok(values.some((row) => row[0] === 'Monthly fan'));
  assert.ok(values.some((row) => row[0] === 'CVaR 95%' && row[1] === 88000.4));
});

test('riskPoll: a failed run shows its reason, never a result', () => {
  const p = project();
  p.fakes.UrlFetchApp.handler = () => json({ job_id: JOB, status: 'failed', field: 'regime',
    detail: 'regime: 2026-2026 holds 77 complete days' });
  assert.deepEqual(plain(p.call('riskPoll', { job_id: JOB })),
    { ok: false, message: 'regime: 2026-2026 holds 77 complete days', field: 'regime',
      errors: { regime: 'regime: 2026-2026 holds 77 complete days' } });
  assert.equal(p.ss.getSheetByName('Risk result'), null);
});

test('riskSubmit: a 422 naming a field lands next to it', () => {
  const p = project();
  p.fakes.UrlFetchApp.handler = () => problem(422, 'Validation error', 'scenarios: too many', 'scenarios');
  const out = plain(p.call('riskSubmit', FORM));
  assert.deepEqual(out, { ok: false, errors: { scenarios: 'Validation error (422): scenarios: too many' } });
});
