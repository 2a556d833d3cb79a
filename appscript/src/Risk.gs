/**
 * @fileoverview The risk panel (gbess → Risk scenarios…): submits a risk run
 * (POST /v1/bess/risk, answered at once with a job id), polls GET /v1/jobs/{id} for its
 * progress and, once complete, writes the annual figures, the monthly fan (P10-P90), the
 * distribution of annual revenue and the mean-CVaR frontier to the "Risk result" tab.
 */

/** Tab the finished run is written to. */
const RISK_SHEET_ = 'Risk result';

/** Regimes the service accepts (first year ≤ last year, 2019-2026). */
const RISK_REGIME_PATTERN_ = /^20(19|2[0-6])-20(19|2[0-6])$/;

/** Menu: Risk scenarios… */
function menuRisk() {
  runMenu_(showRisk_);
}

/**
 * Opens the risk panel.
 * @param {!Object} services From services_().
 */
function showRisk_(services) {
  const html = htmlPage_(services, 'Risk').setTitle('gbess risk');
  services.spreadsheet.getUi().showSidebar(html);
}

/**
 * Panel: submit a run. See riskSubmit_().
 * @param {!Object} form The panel's form values.
 * @return {!Object}
 */
function riskSubmit(form) {
  return riskSubmit_(form, services_());
}

/**
 * Panel: one poll of a run. See riskPoll_().
 * @param {!Object} form {job_id}: the id riskSubmit returned.
 * @return {!Object}
 */
function riskPoll(form) {
  return riskPoll_(form && form.job_id, services_());
}

/**
 * A number from a form field, or an error message.
 * @param {*} raw The field's text.
 * @param {number} low Smallest allowed.
 * @param {number} high Largest allowed.
 * @param {boolean} open Whether the bounds themselves are excluded.
 * @return {{value: (number|null), error: (string|null)}}
 */
function riskNumber_(raw, low, high, open) {
  const text = String(raw === undefined || raw === null ? '' : raw).trim();
  const value = Number(text);
  if (!text || !isFinite(value)) {
    return { value: null, error: 'Enter a number.' };
  }
  const inside = open ? value > low && value < high : value >= low && value <= high;
  if (!inside) {
    return { value: null, error: 'Use a number ' + (open ? 'strictly ' : '') + 'between ' +
      low + ' and ' + high + '.' };
  }
  return { value: value, error: null };
}

/**
 * Checks the form and posts the run; the job id comes back at once.
 * @param {!Object} form {power_mw, duration_h, scenarios, regime, threshold_gbp,
 *     toll_price_gbp_per_mw_per_year, confidence} as typed (the last three may be blank),
 *     and a site's {distributor, import_tariff, export_tariff} (all three or none).
 * @param {!Object} services From services_().
 * @return {!Object} {ok: true, job_id} or {ok: false, errors: {field: message}} /
 *     {ok: false, message}.
 */
function riskSubmit_(form, services) {
  const f = form || {};
  const errors = {};
  const body = {};
  const checks = [
    ['power_mw', 0.01, 1000, false],
    ['duration_h', 0.25, 12, false],
    ['scenarios', 1, 10000, false],
  ];
  checks.forEach(function (c) {
    const got = riskNumber_(f[c[0]], c[1], c[2], c[3]);
    if (got.error) {
      errors[c[0]] = got.error;
    } else {
      body[c[0]] = got.value;
    }
  });
  if (!errors.scenarios && body.scenarios !== Math.round(body.scenarios)) {
    errors.scenarios = 'Use a whole number of scenarios.';
  }
  ['threshold_gbp', 'toll_price_gbp_per_mw_per_year'].forEach(function (name) {
    if (String(f[name] || '').trim()) {
      const got = riskNumber_(f[name], 0, 1e9, false);
      if (got.error) {
        errors[name] = got.error;
      } else {
        body[name] = got.value;
      }
    }
  });
  if (String(f.confidence || '').trim()) {
    const got = riskNumber_(f.confidence, 0, 1, true);
    if (got.error) {
      errors.confidence = got.error;
    } else {
      body.frontier_confidence = got.value;
      body.confidence = [0.9, 0.95, 0.99].concat(
        [0.9, 0.95, 0.99].indexOf(got.value) < 0 ? [got.value] : []);
    }
  }
  const regime = String(f.regime || '2024-2026').trim();
  if (!RISK_REGIME_PATTERN_.test(regime) || regime.slice(0, 4) > regime.slice(5)) {
    errors.regime = 'Use years like 2024-2026 (first ≤ last, 2019-2026).';
  }
  body.regime = regime;
  const registration = registrationField_(f, errors);
  if (registration !== 'bm') {
    body.registration = registration;
  }
  const site = siteDuosFields_(f);
  Object.assign(errors, site.errors);
  Object.assign(body, site.fields);
  if (Object.keys(errors).length) {
    return { ok: false, errors: errors };
  }
  let answer;
  try {
    answer = callService_('post', '/v1/bess/risk', body, {}, services);
  } catch (err) {
    if (err && err.field && Object.prototype.hasOwnProperty.call(body, err.field)) {
      const fieldErrors = {};
      fieldErrors[err.field] = errorMessage_(err);
      return { ok: false, errors: fieldErrors };
    }
    return { ok: false, message: errorMessage_(err) };
  }
  if (!answer || !answer.job_id) {
    return { ok: false, message: 'The service answered /v1/bess/risk without a job id.' };
  }
  return { ok: true, job_id: String(answer.job_id) };
}

/**
 * One poll: progress while the run goes on; the result written to the sheet once complete.
 * @param {string} jobId The job id.
 * @param {!Object} services From services_().
 * @return {!Object} {ok: true, done: false, done_units, total_units} /
 *     {ok: true, done: true, written, summary, network} / {ok: false, message, field};
 *     network: the assumptions that state the site's DUoS (or its absence).
 */
function riskPoll_(jobId, services) {
  const state = jobPoll_(jobId, services);
  if (!state.ok || !state.done) {
    return state;
  }
  const result = state.result;
  const written = writeSections_(
    getOrCreateSheet_(services.spreadsheet.getActive(), RISK_SHEET_), riskSections_(result));
  const annual = result.annual;
  const cvar = (annual.var_cvar || []).filter(function (r) { return r.confidence === 0.95; })[0];
  const summary = 'P10 £' + riskPounds_(annual.p10_gbp) + ', P50 £' + riskPounds_(annual.p50_gbp) +
    ', P90 £' + riskPounds_(annual.p90_gbp) + (cvar ? ', CVaR 95% £' + riskPounds_(cvar.cvar_gbp) : '');
  toast_(services, 'Risk run complete: ' + summary + ' — written to ' + written + '.', 10);
  return { ok: true, done: true, written: written, summary: summary,
    network: networkNotes_(result.assumptions) };
}

/**
 * One poll of any background job (GET /v1/jobs/{id}); shared by the risk and investment
 * panels.
 * @param {string} jobId The job id (18 digits).
 * @param {!Object} services From services_().
 * @return {!Object} {ok: true, done: false, done_units, total_units} /
 *     {ok: true, done: true, result} / {ok: false, message, field}.
 */
function jobPoll_(jobId, services) {
  const id = String(jobId || '');
  if (!/^\d{18}$/.test(id)) {
    return { ok: false, message: 'No job to follow: submit a run first.' };
  }
  let state;
  try {
    state = callService_('get', '/v1/jobs/' + id, null, {}, services);
  } catch (err) {
    return { ok: false, message: errorMessage_(err) };
  }
  if (state.status === 'failed') {
    const message = state.detail || 'The run failed.';
    const failed = { ok: false, message: message, field: state.field || null };
    if (state.field) {
      failed.errors = {};  // the panel shows it under that field, as a 422 is
      failed.errors[state.field] = message;
    }
    return failed;
  }
  if (state.status !== 'complete' || !state.result) {
    return { ok: true, done: false, done_units: state.progress_done || 0,
      total_units: state.progress_total || 0 };
  }
  return { ok: true, done: true, result: state.result };
}

/**
 * Whole pounds with thousands separators, or "—".
 * @param {*} value
 * @return {string}
 */
function riskPounds_(value) {
  return typeof value === 'number' && isFinite(value)
    ? Math.round(value).toLocaleString('en-GB') : '—';
}

/**
 * The sheet's sections from a risk document: the figures, the site whose DUoS was charged
 * (when one was given), the fan, the distribution, the frontier and the assumptions (which
 * state the site's tariffs, or that no network charges were modelled).
 * @param {!Object} result The run's figures (gbess risk --json).
 * @return {!Array<!Object>}
 */
function riskSections_(result) {
  const annual = result.annual;
  const figures = [['Mean', annual.mean_gbp], ['P10', annual.p10_gbp], ['P50', annual.p50_gbp],
    ['P90', annual.p90_gbp]];
  (annual.var_cvar || []).forEach(function (r) {
    const level = (100 * r.confidence) + '%';
    figures.push(['VaR ' + level, r.var_gbp], ['CVaR ' + level, r.cvar_gbp]);
  });
  if (typeof annual.probability_below_threshold === 'number') {
    figures.push(['P(net < £' + riskPounds_(annual.threshold_gbp) + ')',
      annual.probability_below_threshold]);
  }
  const edges = result.distribution.edges_gbp;
  const site = result.site ? [{ title: 'Site (DUoS)', columns: ['Item', 'Value'], rows: [
    ['Distributor', result.site.distributor], ['Import tariff', result.site.import_tariff],
    ['Export tariff', result.site.export_tariff]] }] : [];
  const sections = [
    { title: result.label + ' — ' + result.scenarios.total + ' scenario-years, regime ' +
        result.regime, columns: ['Figure', 'Annual net [£]'], rows: figures },
    { title: 'Monthly fan', columns: ['Month', 'P10 [£]', 'P50 [£]', 'P90 [£]'],
      rows: result.monthly_fan.map(function (m) {
        return [m.month, m.p10_gbp, m.p50_gbp, m.p90_gbp];
      }) },
    { title: 'Distribution of annual net', columns: ['From [£]', 'To [£]', 'Scenarios'],
      rows: result.distribution.counts.map(function (c, i) { return [edges[i], edges[i + 1], c]; }) },
    { title: 'Mean-CVaR frontier (CVaR ' + (100 * result.frontier.confidence) + '%)',
      columns: ['Risk aversion', 'Mean [£]', 'CVaR [£]', 'Toll share'].concat(
        result.frontier.strategies.map(function (s) { return s + ' share'; })),
      rows: result.frontier.points.map(function (p) {
        return [p.risk_aversion, p.mean_gbp, p.cvar_gbp, p.toll_share].concat(
          result.frontier.strategies.map(function (s) { return p.strategy_share[s]; }));
      }) },
  ];
  return sections.slice(0, 1).concat(site, sections.slice(1), [{ title: 'Assumptions',
    columns: ['Assumption'], rows: (result.assumptions || []).map(function (a) { return [a]; }) }]);
}
