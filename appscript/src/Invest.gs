/**
 * @fileoverview The investment case panel (gbess → Investment case…): a battery project in
 * real terms (size, capex, opex, life, real discount rate, replayed price years, an optional
 * Capacity Market agreement and augmentation) sent to POST /v1/bess/invest; NPV, IRR, payback
 * and LCOS shown in the panel and the cashflow by year (and NPV by duration, with sweep;
 * the NPV distribution, with scenario paths) written to the "Investment case" tab. A case
 * over the service's synchronous bound, or with scenarios, is answered at once with a job id
 * and polled (GET /v1/jobs/{id}, jobPoll_ in Risk.gs) until complete. A figure the service
 * could not compute is "—".
 */

/** The tab the panel writes (one writer: this panel). */
const INVEST_SHEET_ = 'Investment case';

/** Numeric fields of the form: name → [required, label for errors]. */
const INVEST_NUMBERS_ = {
  power_mw: [true, 'power'],
  energy_mwh: [true, 'energy'],
  capex_gbp_per_kw: [false, 'capex per kW'],
  capex_gbp_per_kwh: [false, 'capex per kWh'],
  fixed_opex_gbp_per_mw_per_year: [false, 'fixed opex'],
  life_years: [false, 'life'],
  discount_rate_real_frac: [false, 'discount rate'],
  augmentation_gbp_per_kwh: [false, 'augmentation cost'],
  augmentation_threshold_frac: [false, 'augmentation threshold'],
  cm_price_gbp_per_kw_per_year: [false, 'CM price'],
  scenarios: [false, 'scenario paths'],
  toll_share_frac: [false, 'toll share'],
  toll_price_gbp_per_mw_per_year: [false, 'toll price'],
};

/** Menu: Investment case… */
function menuInvest() {
  runMenu_(showInvest_);
}

/**
 * Opens the investment case panel.
 * @param {!Object} services From services_().
 */
function showInvest_(services) {
  const html = htmlPage_(services, 'Invest').setTitle('gbess investment case');
  services.spreadsheet.getUi().showSidebar(html);
}

/**
 * Panel: value the project in the form.
 * @param {!Object} form The panel's form values (strings; sweep a boolean).
 * @return {!Object} {ok: true, title, summary, cashflow, sweep, notes, written} or
 *     {ok: false, errors: {field: message}} / {ok: false, message}.
 */
function investPanel(form) {
  return investPanel_(form, services_());
}

/**
 * Panel: one poll of a case running as a job. See investPoll_().
 * @param {!Object} form {job_id}: the id investPanel returned.
 * @return {!Object}
 */
function investPoll(form) {
  return investPoll_(form && form.job_id, services_());
}

/**
 * The request body from the form, or the fields it cannot read.
 * @param {!Object} form The panel's form values.
 * @return {{body: !Object, errors: !Object}}
 */
function investBody_(form) {
  const body = {};
  const errors = {};
  Object.keys(INVEST_NUMBERS_).forEach(function (name) {
    const text = String((form && form[name]) || '').trim();
    if (!text) {
      if (INVEST_NUMBERS_[name][0]) {
        errors[name] = 'Give the ' + INVEST_NUMBERS_[name][1] + '.';
      }
      return;
    }
    const value = Number(text);
    if (!isFinite(value)) {
      errors[name] = 'Use a number for the ' + INVEST_NUMBERS_[name][1] + '.';
      return;
    }
    body[name] = value;
  });
  const years = String((form && form.price_years) || '').trim();
  if (years) {
    const list = years.split(',').map(function (y) { return y.trim(); });
    if (!list.every(function (y) { return /^\d{4}$/.test(y); })) {
      errors.price_years = 'Use years like 2023,2024,2025.';
    } else {
      body.price_years = list.map(Number);
    }
  }
  const market = String((form && form.capacity_market) || 'none');
  if (market !== 'none') {
    body.capacity_market = market;
  }
  const first = String((form && form.cm_first_delivery_year) || '').trim();
  if (first) {
    if (!/^\d{4}\/\d{2}$/.test(first)) {
      errors.cm_first_delivery_year = 'Use a delivery year like 2027/28.';
    } else {
      body.cm_first_delivery_year = first;
    }
  }
  if (form && form.sweep) {
    body.sweep = true;
  }
  const regime = String((form && form.regime) || '').trim();
  if (regime) {
    if (!RISK_REGIME_PATTERN_.test(regime) || regime.slice(0, 4) > regime.slice(5)) {
      errors.regime = 'Use years like 2024-2026 (first ≤ last, 2019-2026).';
    } else {
      body.regime = regime;
    }
  }
  const registration = registrationField_(form, errors);
  if (registration !== 'bm') {
    body.registration = registration;
  }
  const site = siteDuosFields_(form);
  Object.assign(errors, site.errors);
  Object.assign(body, site.fields);
  return { body: body, errors: errors };
}

/**
 * See investPanel().
 * @param {!Object} form The panel's form values.
 * @param {!Object} services From services_().
 * @return {!Object}
 */
function investPanel_(form, services) {
  const read = investBody_(form);
  if (Object.keys(read.errors).length) {
    return { ok: false, errors: read.errors };
  }
  let answer;
  try {
    answer = callService_('post', '/v1/bess/invest', read.body, {}, services);
  } catch (err) {
    if (err && err.field) {
      const fieldErrors = {};
      fieldErrors[err.field] = errorMessage_(err);
      return { ok: false, errors: fieldErrors };
    }
    return { ok: false, message: errorMessage_(err) };
  }
  if (answer && answer.job_id) {
    return { ok: true, done: false, job_id: String(answer.job_id), done_units: 0, total_units: 0 };
  }
  return investShow_(answer, services);
}

/**
 * One poll of a case running as a job: progress, or the case shown and written once complete.
 * @param {string} jobId The job id.
 * @param {!Object} services From services_().
 * @return {!Object} As jobPoll_() while running; as investPanel_() once complete.
 */
function investPoll_(jobId, services) {
  const state = jobPoll_(jobId, services);
  if (!state.ok || !state.done) {
    return state;
  }
  return investShow_(state.result, services);
}

/**
 * The panel's view of a finished case, written to the tab.
 * @param {*} answer The /v1/bess/invest document.
 * @param {!Object} services From services_().
 * @return {!Object}
 */
function investShow_(answer, services) {
  if (!answer || typeof answer.npv_gbp !== 'number' || !Array.isArray(answer.cashflow)) {
    return { ok: false, message: 'The service answered /v1/bess/invest without an NPV.' };
  }
  const view = investView_(answer);
  view.done = true;
  view.written = writeSections_(getOrCreateSheet_(services.spreadsheet.getActive(),
    INVEST_SHEET_), investSections_(answer, view));
  return view;
}

/**
 * Money for the panel, whole pounds, or "—".
 * @param {*} value
 * @return {string}
 */
function investMoney_(value) {
  if (typeof value !== 'number' || !isFinite(value)) {
    return '—';
  }
  const pounds = Math.round(value);
  return (pounds < 0 ? '-' : '') + '£' + Math.abs(pounds).toLocaleString('en-GB');
}

/**
 * A 0-1 fraction as a percentage, or "—".
 * @param {*} value
 * @param {number} places Decimal places.
 * @return {string}
 */
function investShare_(value, places) {
  return typeof value === 'number' && isFinite(value) ? (100 * value).toFixed(places) + '%' : '—';
}

/**
 * The panel's view of a /v1/bess/invest document.
 * @param {!Object} answer The document.
 * @return {!Object}
 */
function investView_(answer) {
  const summary = [
    ['NPV (real)', investMoney_(answer.npv_gbp)],
    ['IRR (real)', investShare_(answer.irr_frac, 2)],
    ['Payback', answer.payback_year === null ? 'not within the life' : 'year ' + answer.payback_year],
    ['LCOS', typeof answer.lcos_gbp_per_mwh === 'number'
      ? investMoney_(answer.lcos_gbp_per_mwh) + '/MWh' : '—'],
  ];
  if (answer.mode !== 'perfect_foresight' && answer.upper_bound &&
      typeof answer.upper_bound.npv_gbp === 'number') {
    summary.push(['NPV, ' + answer.upper_bound.label, investMoney_(answer.upper_bound.npv_gbp)]);
  }
  const spread = answer.npv_distribution;
  if (spread) {
    summary[0][0] = 'NPV (real), median path';
    summary.push(['NPV P10 / P50 / P90 over ' + spread.paths + ' paths',
      investMoney_(spread.p10_gbp) + ' / ' + investMoney_(spread.p50_gbp) + ' / ' +
      investMoney_(spread.p90_gbp)]);
    summary.push(['P(NPV < 0)', investShare_(spread.probability_npv_negative, 1)]);
  }
  const cashflow = answer.cashflow.map(function (r) {
    return [String(r.project_year), r.price_year || '—', investShare_(r.usable_energy_frac, 1),
      investMoney_(r.revenue_gbp), investMoney_(r.net_cashflow_gbp),
      investMoney_(r.cumulative_cashflow_gbp)];
  });
  // Over scenario paths each size's NPV is the mean over the paths, with P10 and P90.
  const spreadSweep = (answer.sweep || []).some(function (s) { return 'npv_p10_gbp' in s; });
  const sweep = (answer.sweep || []).map(function (s) {
    const npv = spreadSweep ? investMoney_(s.npv_gbp) + ' (P10 ' + investMoney_(s.npv_p10_gbp) +
      ', P90 ' + investMoney_(s.npv_p90_gbp) + ')' : investMoney_(s.npv_gbp);
    return [s.duration_h + ' h', npv, investShare_(s.irr_frac, 2), s.best ? 'best' : ''];
  });
  return {
    ok: true,
    title: answer.label + ': ' + answer.power_mw + ' MW / ' + answer.energy_mwh + ' MWh, ' +
      answer.life_years + ' years from ' + answer.start_year,
    summary: summary,
    cashflow: { columns: ['Year', 'Prices of', 'Usable', 'Revenue', 'Net', 'Cumulative'],
      rows: cashflow },
    sweep: { columns: ['Duration', spreadSweep ? 'Mean NPV' : 'NPV',
      spreadSweep ? 'IRR (median path)' : 'IRR', ''], rows: sweep },
    notes: investNotes_(answer.assumptions),
  };
}

/**
 * The assumptions shown in the panel: those stating the network charges (the site's DUoS
 * tariffs, or that there were none) first, then the others, eight at most besides them (the
 * tab holds every one).
 * @param {*} assumptions The document's `assumptions`.
 * @return {!Array<string>}
 */
function investNotes_(assumptions) {
  const network = networkNotes_(assumptions);
  const others = (Array.isArray(assumptions) ? assumptions : []).map(String).filter(function (a) {
    return network.indexOf(a) < 0;
  });
  return network.concat(others.slice(0, 8));
}

/**
 * The sections written to the tab: summary, cashflow by year, sweep, assumptions.
 * @param {!Object} answer The document.
 * @param {!Object} view From investView_().
 * @return {!Array<!Object>}
 */
function investSections_(answer, view) {
  const sections = [{ title: view.title, columns: ['Item', 'Value'], rows: view.summary }];
  const rows = objectsTable_(answer.cashflow);
  sections.push({ title: 'Cashflow by year (real £)', columns: rows.columns, rows: rows.rows });
  if (answer.sweep && answer.sweep.length) {
    const sweep = objectsTable_(answer.sweep);
    sections.push({ title: view.sweep.columns[1] + ' by duration', columns: sweep.columns,
      rows: sweep.rows });
  }
  const spread = answer.npv_distribution;
  if (spread) {
    const edges = spread.histogram.edges_gbp;
    sections.push({ title: 'NPV distribution over ' + spread.paths + ' paths (' + spread.label + ')',
      columns: ['From [£]', 'To [£]', 'Paths'],
      rows: spread.histogram.counts.map(function (c, i) { return [edges[i], edges[i + 1], c]; }) });
  }
  sections.push({ title: 'Assumptions', columns: ['Assumption'],
    rows: (answer.assumptions || []).map(function (a) { return [a]; }) });
  return sections;
}
