'use strict';
// Invest.gs: the investment case panel over POST /v1/bess/invest.

const test = require('node:test');
const assert = require('node:assert/strict');
const { loadProject, plain, problem, json, SETTINGS } = require('./harness');

function project(settings = SETTINGS) {
  return loadProject({ settings });
}

const ROW = (year, prices, usable, revenue, net, cumulative) => ({
  project_year: year, calendar_year: 2025 + year, price_year: prices, usable_energy_frac: usable,
  revenue_gbp: revenue, net_cashflow_gbp: net, cumulative_cashflow_gbp: cumulative,
  discounted_cashflow_gbp: net,
});
const DOCUMENT = {
  label: 'forecast', mode: 'forecast', power_mw: 50, energy_mwh: 100, life_years: 2, start_year: 2026,
  npv_gbp: -1234567.4, irr_frac: null, payback_year: null, lcos_gbp_per_mwh: 151.26,
  upper_bound: { label: 'upper bound (perfect foresight)', npv_gbp: 2500000 },
  cashflow: [ROW(0, null, 1, 0, -3000000, -3000000), ROW(1, '2024', 1, 900000, 800000, -2200000),
    ROW(2, '2025', 0.956, 880000, 780000, -1420000)],
  stacks_solved: 2, project_years_valued: 2, assumptions: ['All figures are real.'],
};

test('menu item opens the investment panel as a sidebar', () => {
  const p = project();
  p.call('menuInvest');
  assert.equal(p.ui.sidebars.length, 1);
  assert.equal(p.ui.sidebars[0].title, 'gbess investment case');
});

test('investPanel: fields checked before any request', () => {
  const p = project();
  const out = plain(p.call('investPanel', { power_mw: '', energy_mwh: 'lots', price_years: '24',
    cm_first_delivery_year: '2027' }));
  assert.deepEqual(out, { ok: false, errors: {
    power_mw: 'Give the power.', energy_mwh: 'Use a number for the energy.',
    price_years: 'Use years like 2023,2024,2025.', cm_first_delivery_year: 'Use a delivery year like 2027/28.',
  } });
  assert.equal(p.fakes.UrlFetchApp.requests.length, 0);
});

test('investPanel: one signed POST; NPV, IRR "—", the bound labelled; the case written to its tab', () => {
  const p = project();
  p.fakes.UrlFetchApp.handler = () => json(DOCUMENT);
  const out = plain(p.call('investPanel', { power_mw: '50', energy_mwh: '100', capex_gbp_per_kw: '100',
    discount_rate_real_frac: '0.08', price_years: '2024, 2025', capacity_market: 'T-4',
    cm_first_delivery_year: '2027/28', sweep: false }));
  const request = p.fakes.UrlFetchApp.requests[0];
  assert.equal(request.url, 'https://gbess.example.run.app/v1/bess/invest');
  assert.equal(request.method, 'POST');
  assert.ok(request.headers['X-Gbess-Signature'].startsWith('v2='));
  assert.deepEqual(JSON.parse(request.payload), { power_mw: 50, energy_mwh: 100, capex_gbp_per_kw: 100,
    discount_rate_real_frac: 0.08, price_years: [2024, 2025], capacity_market: 'T-4',
    cm_first_delivery_year: '2027/28' });
  assert.equal(out.ok, true);
  assert.deepEqual(out.summary, [['NPV (real)', '-£1,234,567'], ['IRR (real)', '—'],
    ['Payback', 'not within the life'], ['LCOS', '£151/MWh'],
    ['NPV, upper bound (perfect foresight)', '£2,500,000']]);
  assert.deepEqual(out.cashflow.rows[2], ['2', '2025', '95.6%', '£880,000', '£780,000', '-£1,420,000']);
  assert.ok(out.written.startsWith('Investment case!'));
  const cells = plain(p.ss.getSheetByName('Investment case').getDataRange().getValues());
  assert.equal(cells[0][0], 'forecast: 50 MW / 100 MWh, 2 years from 2026');
  assert.ok(cells.some((r) => r[0] === 'Assumptions'));
});

test('investPanel: a 422 naming a field lands next to it; nothing is written', () => {
  const p = project();
  p.fakes.UrlFetchApp.handler = () => problem(422, 'Validation error',
    'discount_rate_real_frac: a discount rate is a fraction in (-1, 1); got 8 — did you mean 0.08?',
    'discount_rate_real_frac');
  const out = plain(p.call('investPanel', { power_mw: '50', energy_mwh: '100', discount_rate_real_frac: '8' }));
  assert.equal(out.ok, false);
  assert.ok(out.errors.discount_rate_real_frac.includes('did you mean 0.08?'));
  assert.equal(p.ss.getSheetByName('Investment case'), null);
});

const JOB = '123456789012345678';

test('investPanel: a case run as a job is followed with GET /v1/jobs/{id} until complete', () => {
  const p = project();
  const states = [
    { job_id: JOB, kind: 'invest', status: 'running', progress_done: 40, progress_total: 100 },
    { job_id: JOB, kind: 'invest', status: 'complete', progress_done: 100, progress_total: 100,
      result: { ...DOCUMENT, label: 'fast day-ahead policy (an approximation of the forecast mode)',
        upper_bound: { label: 'upper bound (perfect foresight)', npv_gbp: null },
        npv_distribution: { label: 'fast day-ahead policy (an approximation of the forecast mode)',
          paths: 100, p10_gbp: -500000, p50_gbp: 1000000, p90_gbp: 2500000.4,
          probability_npv_negative: 0.17,
          histogram: { edges_gbp: [-1e6, 0, 1e6], counts: [17, 83] } } } },
  ];
  p.fakes.UrlFetchApp.handler = (request) => request.url.endsWith('/v1/bess/invest')
    ? json({ job_id: JOB, status: 'queued', status_url: '/v1/jobs/' + JOB }, 202)
    : json(states.shift());
  const first = plain(p.call('investPanel', { power_mw: '50', energy_mwh: '100', scenarios: '100',
    regime: '2024-2026', toll_share_frac: '0.5', toll_price_gbp_per_mw_per_year: '60000' }));
  assert.deepEqual(first, { ok: true, done: false, job_id: JOB, done_units: 0, total_units: 0 });
  assert.deepEqual(JSON.parse(p.fakes.UrlFetchApp.requests[0].payload), { power_mw: 50,
    energy_mwh: 100, scenarios: 100, regime: '2024-2026', toll_share_frac: 0.5,
    toll_price_gbp_per_mw_per_year: 60000 });
  const running = plain(p.call('investPoll', { job_id: JOB }));
  assert.deepEqual(running, { ok: true, done: false, done_units: 40, total_units: 100 });
  assert.equal(p.fakes.UrlFetchApp.requests[1].url, 'https://gbess.example.run.app/v1/jobs/' + JOB);
  const done = plain(p.call('investPoll', { job_id: JOB }));
  assert.equal(done.ok, true);
  assert.equal(done.done, true);
  assert.deepEqual(done.summary.slice(-2), [
    ['NPV P10 / P50 / P90 over 100 paths', '-£500,000 / £1,000,000 / £2,500,000'],
    ['P(NPV < 0)', '17.0%']]);
  assert.equal(done.summary[0][0], 'NPV (real), median path');
  // No bound is shown when none was computed.
  assert.ok(!done.summary.some((row) => row[0].startsWith('NPV, upper bound')));
});

test('investPoll: a failed job shows its reason and field, never a result', () => {
  const p = project();
  p.fakes.UrlFetchApp.handler = () => json({ job_id: JOB, kind: 'invest', status: 'failed',
    progress_done: 0, progress_total: 0, detail: 'regime: 2026-2026 holds 77 complete days',
    field: 'regime', result: null });
  const out = plain(p.call('investPoll', { job_id: JOB }));
  assert.deepEqual(out, { ok: false, message: 'regime: 2026-2026 holds 77 complete days',
    field: 'regime', errors: { regime: 'regime: 2026-2026 holds 77 complete days' } });
});

test('investPanel: a regime the service cannot name is refused before any request', () => {
  const p = project();
  const out = plain(p.call('investPanel', { power_mw: '1', energy_mwh: '2', regime: '2026-2024' }));
  assert.deepEqual(out, { ok: false, errors: { regime: 'Use years like 2024-2026 (first ≤ last, 2019-2026).' } });
  assert.equal(p.fakes.UrlFetchApp.requests.length, 0);
});

test('investPanel: a sweep over scenario paths shows each size\'s mean NPV with P10 and P90', () => {
  const p = project();
  const spread = { label: 'fast day-ahead policy (an approximation of the forecast mode)', paths: 3,
    p10_gbp: -10, p50_gbp: 5, p90_gbp: 20, probability_npv_negative: 0.25,
    histogram: { edges_gbp: [-12, 0, 12], counts: [1, 2] } };
  const sweep = [
    { duration_h: 1, npv_gbp: -500000, npv_p10_gbp: -900000, npv_p90_gbp: -100000,
      probability_npv_negative: 1, irr_frac: null, best: false },
    { duration_h: 2, npv_gbp: 700000, npv_p10_gbp: -200000, npv_p90_gbp: 1500000,
      probability_npv_negative: 0.25, irr_frac: 0.05, best: true },
  ];
  p.fakes.UrlFetchApp.handler = () => json({ ...DOCUMENT, npv_distribution: spread, sweep });
  const out = plain(p.call('investPanel', { power_mw: '50', energy_mwh: '100', sweep: true,
    scenarios: '3' }));
  assert.equal(out.ok, true);
  assert.deepEqual(out.sweep.columns, ['Duration', 'Mean NPV', 'IRR (median path)', '']);
  assert.deepEqual(out.sweep.rows[1],
    ['2 h', '£700,000 (P10 -£200,000, P90 £1,500,000)', '5.00%', 'best']);
  const cells = plain(p.ss.getSheetByName('Investment case').getDataRange().getValues());
  assert.ok(cells.some((row) => row[0] === 'Mean NPV by duration'));
});
