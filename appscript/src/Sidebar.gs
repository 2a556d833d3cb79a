/**
 * @fileoverview Server functions of the sidebar (Sidebar.html): a site form
 * (postcode/MPAN, tariff, capacity) and a battery form (MW, MWh, efficiency,
 * period). Each returns {ok: true, table} or {ok: false, errors: {field: message}}
 * so the page can show results as a table and errors next to their fields.
 */

/** Sheet the sidebar writes results to, on request. */
const RESULTS_SHEET_ = 'gbess results';

/** User-cache key of the tab to open the sidebar on. */
const SIDEBAR_TAB_KEY_ = 'gbess:sidebar-tab';

/**
 * Menu: opens the sidebar on the site form.
 */
function showSidebar() {
  runMenu_(function (s) {
    showSidebar_('site', s);
  });
}

/**
 * Opens the sidebar on a tab.
 * @param {string} tab 'site' or 'battery'.
 * @param {!Object} services From services_().
 */
function showSidebar_(tab, services) {
  services.cache.getUserCache().put(SIDEBAR_TAB_KEY_, tab, 300);
  const html = htmlPage_(services, 'Sidebar').setTitle('gbess');
  services.spreadsheet.getUi().showSidebar(html);
}

/**
 * Sidebar: the tab to show and the last site and battery, to prefill the forms.
 * @return {{tab: string, site: Object, battery: Object, configured: boolean}}
 */
function sidebarState() {
  return sidebarState_(services_());
}

/**
 * See sidebarState().
 * @param {!Object} services From services_().
 * @return {!Object}
 */
function sidebarState_(services) {
  const props = services.properties.getDocumentProperties();
  const settings = readSettings_(services);
  return {
    tab: services.cache.getUserCache().get(SIDEBAR_TAB_KEY_) || 'site',
    site: JSON.parse(props.getProperty(SETTINGS_KEYS_.site) || 'null'),
    battery: JSON.parse(props.getProperty(SETTINGS_KEYS_.battery) || 'null'),
    configured: Boolean(settings.serviceUrl),
    dataRange: {
      site: props.getProperty(DATA_RANGE_KEYS_.site),
      battery: props.getProperty(DATA_RANGE_KEYS_.battery),
    },
  };
}

/**
 * Maps a problem's `field` (e.g. "body.power_mw" or "queries[0]") onto a form field.
 * @param {Error} err A gbessError_.
 * @param {!Array<string>} fields The form's field names.
 * @param {string} fallback Field to blame when the problem names none of them.
 * @param {Object<string, string>=} aliases Request field -> form field (e.g. the request's
 *     "distributor" is the form's MPAN or postcode).
 * @return {!Object} {ok: false, errors} for the page.
 */
function formFailure_(err, fields, fallback, aliases) {
  const fieldOf = function (path) {
    const name = String(path || '').split('.').pop().replace(/\[\d+\]$/, '');
    if (aliases && Object.prototype.hasOwnProperty.call(aliases, name)) {
      return aliases[name];
    }
    return fields.indexOf(name) >= 0 ? name : fallback;
  };
  if (err.status >= 400 && err.status < 500 && err.status !== 401 && err.status !== 403) {
    const errors = {};
    const many = err.problem && Array.isArray(err.problem.errors) ? err.problem.errors : [];
    many.forEach(function (e) {
      const f = fieldOf(e && e.field);
      errors[f] = (errors[f] ? errors[f] + ' ' : '') + String((e && e.detail) || '');
    });
    if (!many.length) {
      errors[fieldOf(err.field)] = errorMessage_(err);
    }
    return { ok: false, errors: errors };
  }
  return { ok: false, message: errorMessage_(err) };
}

/**
 * A positive number from a form field, or an error message.
 * @param {*} value
 * @param {string} label
 * @return {{value: number, error: (string|undefined)}}
 */
function positiveNumber_(value, label) {
  const text = String(value === undefined || value === null ? '' : value).trim();
  const n = Number(text);
  if (!text || !isFinite(n)) {
    return { value: NaN, error: label + ' must be a number.' };
  }
  if (n <= 0) {
    return { value: n, error: label + ' must be more than 0.' };
  }
  return { value: n };
}

/** Unit suffixes of unregistered field names -> [unit, kind, decimals] (longest first). */
const UNIT_SUFFIXES_ = [
  ['_gbp_per_mw_per_year', '£/MW/year', 'money', 0],
  ['_gbp_per_mwh', '£/MWh', 'number', 2],
  ['_p_per_kva_per_day', 'p/kVA/day', 'number', 2],
  ['_p_per_mpan_per_day', 'p/MPAN/day', 'number', 2],
  ['_p_per_kvarh', 'p/kVArh', 'number', 3],
  ['_p_per_kwh', 'p/kWh', 'number', 3],
  ['_gbp', '£', 'money', 0],
  ['_frac', '%', 'frac', 1],
  ['_mwh', 'MWh', 'number', 2],
  ['_mw', 'MW', 'number', 2],
  ['_kwh', 'kWh', 'number', 0],
  ['_kva', 'kVA', 'number', 0],
  ['_hours', 'h', 'number', 0],
];

/** Fields the service returns under a name without its unit: [label, unit, kind, decimals]. */
const FIELD_LABELS_ = {
  mode: ['Mode', '', 'text', 0],
  registration: ['Registration', '', 'text', 0],
  from: ['First day', '', 'text', 0],
  to: ['Last day', '', 'text', 0],
  round_trip_efficiency: ['Round-trip efficiency', '%', 'frac', 1],
  gbp_per_mw_per_year: ['Revenue per MW', '£/MW/year', 'money', 0],
  net_revenue_gbp: ['Net revenue', '£', 'money', 0],
  equivalent_cycles: ['Equivalent full cycles', '', 'number', 1],
  hours_in_service: ['Hours in frequency services', 'h', 'number', 0],
  mean_service_mw: ['Mean service volume', 'MW', 'number', 2],
  capture_ratio: ['Capture ratio', '%', 'frac', 1],
  services: ['Services', '', 'text', 0],
  energy_markets: ['Energy markets', '', 'text', 0],
  distributor: ['Network operator', '', 'text', 0],
  licence_area: ['Licence area', '', 'text', 0],
  match: ['Found by', '', 'text', 0],
  warnings: ['Warning', '', 'text', 0],
  operator_group: ['Operator group', '', 'text', 0],
  market_participant_id: ['Market participant', '', 'text', 0],
  mpan_core: ['MPAN core', '', 'text', 0],
  postcode: ['Postcode', '', 'text', 0],
  profile_class: ['Profile class', '', 'text', 0],
  meter_timeswitch_class: ['Meter timeswitch class', '', 'text', 0],
  llfc: ['Line loss factor class', '', 'text', 0],
  duos_tariff_name: ['DUoS tariff', '', 'text', 0],
  duos_voltage_level: ['Voltage level', '', 'text', 0],
  duos_charging_year: ['Charging year', '', 'text', 0],
  tariff: ['DUoS tariff', '', 'text', 0],
  voltage_level: ['Voltage level', '', 'text', 0],
  direction: ['Direction', '', 'text', 0],
  charging_year: ['Charging year', '', 'text', 0],
  source: ['Source document', '', 'text', 0],
};

/** Words spelt out or capitalised in labels made from field names. */
const LABEL_WORDS_ = { duos: 'DUoS', gsp: 'GSP', apx: 'APX', efa: 'EFA', mpan: 'MPAN', llfc: 'LLFC',
  id: 'ID', dcl: 'DCL', dch: 'DCH', dml: 'DML', dmh: 'DMH', drl: 'DRL', drh: 'DRH', pqr: 'PQR',
  nqr: 'NQR', cm: 'Capacity Market', pv: 'PV', btm: 'behind the meter', p: 'p' };

/** Internals of an answer that the sidebar never shows. */
const HIDDEN_FIELDS_ = ['solve_seconds', 'request_id', 'query', 'kind', 'candidates', 'band_names',
  'distributor_id', 'distributor_name', 'distributor_type', 'gsp_group_id', 'gsp_group_name',
  'profile_class_description', 'meter_timeswitch_class_description', 'llfc_description'];

/**
 * How to show a field: from the column registry (Labels.gs), the sidebar's own names, or
 * its unit suffix.
 * @param {string} name A field name (the last part of a dotted path).
 * @return {{label: string, unit: string, kind: string, decimals: number}}
 */
function fieldMeta_(name) {
  const known = (typeof COLUMN_LABELS_ !== 'undefined' && COLUMN_LABELS_[name]) ||
    FIELD_LABELS_[name];
  if (known) {
    const money = known[1] === '£' || known[1] === '£/year' || known[1] === '£/MW/year';
    return { label: known[0], unit: known[1], kind: money ? 'money' : known[2],
      decimals: known[3] };
  }
  let stem = name;
  let meta = { unit: '', kind: 'text', decimals: 0 };
  for (let i = 0; i < UNIT_SUFFIXES_.length; i++) {
    const s = UNIT_SUFFIXES_[i];
    if (name.length > s[0].length && name.slice(-s[0].length) === s[0]) {
      stem = name.slice(0, -s[0].length);
      meta = { unit: s[1], kind: s[2], decimals: s[3] };
      break;
    }
  }
  const words = stem.split('_').filter(Boolean).map(function (w) {
    return LABEL_WORDS_[w] || w;
  });
  const label = words.join(' ');
  return { label: label.charAt(0).toUpperCase() + label.slice(1), unit: meta.unit,
    kind: meta.kind, decimals: meta.decimals };
}

/**
 * A number with thousands separators and a fixed number of decimals ("-0" shown as "0").
 * @param {number} n
 * @param {number} decimals
 * @return {string}
 */
function groupedNumber_(n, decimals) {
  const fixed = Math.abs(n).toFixed(decimals);
  const parts = fixed.split('.');
  parts[0] = parts[0].replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  const negative = n < 0 && Number(fixed) !== 0;
  return (negative ? '−' : '') + parts.join('.');
}

/** Code words the service answers with, as a reader says them (anything else as sent). */
const VALUE_WORDS_ = { postcode_district: 'postcode district', postcode_sector: 'postcode sector',
  mpan: 'MPAN', 'mpan+postcode': 'MPAN and postcode', apx: 'APX index', system: 'system price',
  n2ex: 'N2EX index' };

/**
 * A code word as shown (see VALUE_WORDS_); a list flattened to "apx, system" word by word.
 * @param {*} value
 * @return {string}
 */
function valueWord_(value) {
  return String(value).split(', ').map(function (text) {
    return Object.prototype.hasOwnProperty.call(VALUE_WORDS_, text) ? VALUE_WORDS_[text] : text;
  }).join(', ');
}

/**
 * A field's value as shown: money to the pound, fractions as %, units after the number.
 * @param {*} value
 * @param {{unit: string, kind: string, decimals: number}} meta From fieldMeta_.
 * @return {string}
 */
function formatValue_(value, meta) {
  if (value === null || value === undefined || value === '') {
    return 'none';
  }
  if (Array.isArray(value)) {
    return value.map(valueWord_).join(', ');
  }
  if (typeof value !== 'number') {
    return valueWord_(value);
  }
  if (meta.kind === 'money') {
    const text = groupedNumber_(value, 0);
    const sign = text.charAt(0) === '−' ? '−' : '';
    const rest = meta.unit && meta.unit !== '£' ? meta.unit.replace(/^£/, '') : '';
    return sign + '£' + text.replace(/^−/, '') + rest;
  }
  if (meta.kind === 'frac') {
    return groupedNumber_(value * 100, 1).replace(/\.0$/, '') + '%';
  }
  const decimals = meta.kind === 'integer' ? 0 : meta.decimals;
  return groupedNumber_(value, decimals) + (meta.unit ? ' ' + meta.unit : '');
}

/**
 * Flat [path, value] rows as shown: [label, text], internals left out. A dotted path
 * (streams.dcl) is labelled by its last part, prefixed by its group's label.
 * @param {!Array<!Array<*>>} rows From flattenRows_.
 * @return {!Array<!Array<string>>}
 */
function shownRows_(rows) {
  const out = [];
  rows.forEach(function (r) {
    const path = String(r[0]);
    const name = path.split('.').pop().replace(/\[\d+\]$/, '');
    if (HIDDEN_FIELDS_.indexOf(name) >= 0) {
      return;
    }
    const group = path.indexOf('.') > 0 ? path.split('.')[0] : '';
    const meta = group === 'streams' || group === 'costs'
      ? { label: fieldMeta_(name).label, unit: '£', kind: 'money', decimals: 0 }
      : fieldMeta_(name);
    const prefix = group === 'streams' ? 'Revenue: ' : group === 'costs' ? 'Cost: ' : '';
    out.push([prefix + meta.label, formatValue_(r[1], meta)]);
  });
  return out;
}

/** Document-property keys of the data range last reported, per form. */
const DATA_RANGE_KEYS_ = { site: 'gbess:data-range:site', battery: 'gbess:data-range:battery' };

/**
 * @param {!Object} services From services_().
 * @return {!Object} The document's properties.
 */
function props_(services) {
  return services.properties.getDocumentProperties();
}

/**
 * Card rows with each label once (a later row replaces an earlier one in its place).
 * @param {!Array<!Array<string>>} rows
 * @return {!Array<!Array<string>>}
 */
function dedupeCard_(rows) {
  const out = [];
  rows.forEach(function (r) {
    const at = out.findIndex(function (o) { return o[0] === r[0]; });
    if (at >= 0) {
      out[at] = r;
    } else {
      out.push(r);
    }
  });
  return out;
}

/**
 * The charging years a DUoS rates answer covers, as text for the site form.
 * @param {!Object} rates
 * @return {?string}
 */
function rateYears_(rates) {
  const years = (Array.isArray(rates.years) ? rates.years : []).map(function (y) {
    return y.charging_year;
  }).filter(Boolean);
  return years.length ? 'DUoS rates of charging year ' + years.join(', ') : null;
}

/**
 * The market-data range an answer states (`data_range` / `market_data`: text or {from, to}).
 * @param {!Object} answer
 * @return {?string}
 */
function answerDataRange_(answer) {
  const given = answer.data_range || answer.market_data;
  if (!given) {
    return null;
  }
  if (typeof given === 'string') {
    return 'Market data ' + given.replace(/^market data\s*/i, '');
  }
  const from = given.from || given.first || given.start;
  const to = given.to || given.last || given.end;
  return from && to ? 'Market data ' + from + ' to ' + to : null;
}

/** User-cache key and lifetime [s] of the data range (it moves only when data is ingested). */
const COVERAGE_KEY_ = 'gbess:coverage';
const COVERAGE_CACHE_S_ = 3600;

/**
 * Sidebar: the market data the service holds (GET /v1/data/coverage), said beside the
 * battery form's dates, and default dates inside it (the last whole month held).
 * @return {{ok: boolean, text: (string|undefined), first: (string|undefined),
 *     last: (string|undefined), start: (string|undefined), end: (string|undefined),
 *     message: (string|undefined)}}
 */
function sidebarDataRange() {
  return sidebarDataRange_(services_());
}

/**
 * See sidebarDataRange().
 * @param {!Object} services From services_().
 * @return {!Object}
 */
function sidebarDataRange_(services) {
  const cache = services.cache.getUserCache();
  let coverage = JSON.parse(cache.get(COVERAGE_KEY_) || 'null');
  if (!coverage) {
    try {
      coverage = callService_('get', '/v1/data/coverage', null, {}, services);
    } catch (err) {
      return { ok: false, message: 'Market data range unknown: ' + errorMessage_(err) };
    }
    cache.put(COVERAGE_KEY_, JSON.stringify(coverage), COVERAGE_CACHE_S_);
  }
  return dataRangeView_(coverage);
}

/**
 * What the battery form shows of a coverage answer: the system prices' range (every
 * valuation needs them) and the frequency-response range, and the last whole month held.
 * @param {!Object} coverage A /v1/data/coverage answer.
 * @return {!Object} See sidebarDataRange().
 */
function dataRangeView_(coverage) {
  const sets = Array.isArray(coverage.datasets) ? coverage.datasets : [];
  const find = function (name) {
    return sets.filter(function (d) { return d.dataset === name; })[0] || {};
  };
  const prices = find('system_prices');
  if (!prices.first_day || !prices.last_day) {
    return { ok: false, message: 'The service holds no market prices yet (gbess warehouse seed).' };
  }
  const response = find('dynamic_response_results');
  const text = 'Market data ' + prices.first_day + ' to ' + prices.last_day +
    (response.first_day ? '; DC/DM/DR prices ' + response.first_day + ' to ' + response.last_day
      : '') + '.';
  const month = lastWholeMonth_(prices.first_day, prices.last_day);
  return { ok: true, text: text, first: prices.first_day, last: prices.last_day,
    start: month[0], end: month[1] };
}

/**
 * The last calendar month whose every day lies in [first, last] (else [first, last]).
 * @param {string} first YYYY-MM-DD.
 * @param {string} last YYYY-MM-DD.
 * @return {!Array<string>} [start, end], YYYY-MM-DD.
 */
function lastWholeMonth_(first, last) {
  const day = function (d) { return d.toISOString().slice(0, 10); };
  const end = new Date(last + 'T00:00:00Z');
  const next = new Date(end.getTime() + 86400000);
  // The month of `last` if `last` is its final day, else the month before.
  const monthEnd = next.getUTCDate() === 1 ? end
    : new Date(Date.UTC(end.getUTCFullYear(), end.getUTCMonth(), 0));
  const monthStart = new Date(Date.UTC(monthEnd.getUTCFullYear(), monthEnd.getUTCMonth(), 1));
  if (day(monthStart) < first) {
    return [first, last];
  }
  return [day(monthStart), day(monthEnd)];
}

/** How each revenue mode is named in the sidebar. */
const MODE_NAMES_ = {
  forecast: 'Forecast (decided on day-ahead forecasts)',
  day_ahead: 'Forecast (decided on day-ahead forecasts)',
  perfect_foresight: 'Upper bound (perfect foresight)',
};

/**
 * Sidebar: looks up a site (and its tariff's rates when a tariff is given).
 * @param {!Object} form postcode, mpan, tariff, capacity_kva.
 * @return {!Object} {ok, table: {columns, rows}} or {ok: false, errors|message}.
 */
function sidebarLookupSite(form) {
  return sidebarLookupSite_(form, services_());
}

/**
 * See sidebarLookupSite().
 * @param {!Object} form
 * @param {!Object} services From services_().
 * @return {!Object}
 */
function sidebarLookupSite_(form, services) {
  const postcode = String(form.postcode || '').trim();
  const mpan = String(form.mpan || '').trim();
  const tariff = String(form.tariff || '').trim();
  const errors = {};
  if (!postcode && !mpan) {
    errors.postcode = 'Enter a postcode or an MPAN.';
  }
  let capacity = null;
  if (String(form.capacity_kva || '').trim()) {
    const c = positiveNumber_(form.capacity_kva, 'Capacity');
    if (c.error) {
      errors.capacity_kva = c.error;
    }
    capacity = c.value;
  }
  if (Object.keys(errors).length) {
    return { ok: false, errors: errors };
  }
  let result;
  try {
    result = lookupQueries_([[mpan, postcode].filter(Boolean).join(' ')], {}, services)[0];
  } catch (err) {
    return formFailure_(err, ['postcode', 'mpan'], mpan ? 'mpan' : 'postcode');
  }
  if (result.error) {
    const type = String(result.error.type || '');
    const field = mpan && (!postcode || /mpan/i.test(type)) ? 'mpan' : 'postcode';
    return { ok: false, errors: { [field]: result.error.detail || 'not found' } };
  }
  // Only what is known: the service sends every field, null where it does not apply.
  const known = flattenRows_(result, '').filter(function (r) {
    return r[1] !== '' && r[1] !== null;
  });
  // Ids once: the operator and GSP group as one line each, with their ids in brackets.
  const card = [
    ['Network operator', String(result.distributor_name || 'none') +
      (result.distributor_id ? ' (' + result.distributor_id +
        (result.distributor_type ? ', ' + result.distributor_type : '') + ')' : '')],
    ['GSP group', [result.gsp_group_id, result.gsp_group_name].filter(Boolean).join(' ') ||
      'none'],
  ];
  if (result.duos_tariff_name) {
    card.push(['DUoS tariff', String(result.duos_tariff_name)]);
  }
  let details = shownRows_(known.filter(function (r) {
    return ['duos_tariff_name', 'licence_area'].indexOf(r[0]) < 0 ||
      r[0] === 'licence_area' && result.licence_area !== result.gsp_group_name;
  }));
  let rows = known;
  let dataRange = null;
  if (tariff) {
    try {
      // The whole lookup result, not its distributor_id: an IDNO's id (24+) names no
      // licence area; the service resolves a result by its GSP group (the host area) or
      // says what is missing (an ambiguous postcode, an IDNO MPAN without a postcode).
      const rates = callService_('post', '/v1/duos/rates', {
        distributor: result,
        tariff: tariff,
        date: services.utilities.formatDate(new Date(services.now()),
          services.session.getScriptTimeZone(), 'yyyy-MM-dd'),
      }, {}, services);
      const rateRows = duosRatesRows_(rates);
      rows = rows.concat(rateRows);
      const shown = shownRows_(rateRows.filter(function (r) {
        return ['tariff', 'distributor_id', 'gsp_group_id'].indexOf(r[0]) < 0;
      }));
      // The headline rates on the card; band windows and the rest under "details".
      shown.forEach(function (r) {
        (/^(Red|Amber|Green|Capacity|Fixed|DUoS tariff)\b/.test(r[0]) && / p\//.test(r[1]) ? card
          : details).push(r);
      });
      card.push(['DUoS tariff', String(rates.tariff_name || tariff)]);
      dataRange = rateYears_(rates);
    } catch (err) {
      return formFailure_(err, ['tariff'], 'tariff', { distributor: mpan ? 'mpan' : 'postcode' });
    }
  }
  services.properties.getDocumentProperties().setProperty(SETTINGS_KEYS_.site, JSON.stringify({
    postcode: postcode, mpan: mpan, tariff: tariff, capacity_kva: capacity,
    distributor: result.gsp_group_id ||
      (result.distributor_id ? String(result.distributor_id) : ''),
  }));
  if (dataRange) {
    props_(services).setProperty(DATA_RANGE_KEYS_.site, dataRange);
  }
  return { ok: true, title: 'Site ' + [mpan, postcode].filter(Boolean).join(' '),
    card: dedupeCard_(card), details: details, notes: [], dataRange: dataRange,
    table: { columns: ['Item', 'Value'], rows: card.concat(details) } };
}

/**
 * Sidebar: values a battery over a period (POST /v1/bess/revenue).
 * @param {!Object} form power_mw, energy_mwh, efficiency_pct (round trip), start_date,
 *     end_date, mode, registration (bm, non_bm or none) and an optional site (distributor,
 *     import_tariff, export_tariff: all three or none).
 * @return {!Object} {ok, table} or {ok: false, errors|message}.
 */
function sidebarValueBattery(form) {
  return sidebarValueBattery_(form, services_());
}

/**
 * The /v1/bess/revenue request for a battery form (round trip as a 0-1 fraction; the
 * period as the service's inclusive `from`/`to` UK days).
 * @param {!Object} form See sidebarValueBattery.
 * @return {{request: Object, errors: !Object<string, string>}}
 */
function batteryRequest_(form) {
  const errors = {};
  const power = positiveNumber_(form.power_mw, 'Power');
  const energy = positiveNumber_(form.energy_mwh, 'Energy');
  const eff = positiveNumber_(form.efficiency_pct, 'Efficiency');
  [['power_mw', power], ['energy_mwh', energy], ['efficiency_pct', eff]].forEach(function (p) {
    if (p[1].error) {
      errors[p[0]] = p[1].error;
    }
  });
  if (!eff.error && eff.value > 100) {
    errors.efficiency_pct = 'Efficiency is a percentage: at most 100.';
  }
  const start = String(form.start_date || '').trim();
  const end = String(form.end_date || '').trim();
  if (!/^\d{4}-\d{2}-\d{2}$/.test(start)) {
    errors.start_date = 'Give the first day as YYYY-MM-DD.';
  }
  if (!/^\d{4}-\d{2}-\d{2}$/.test(end)) {
    errors.end_date = 'Give the last day as YYYY-MM-DD.';
  } else if (!errors.start_date && end < start) {
    errors.end_date = 'The last day is before the first.';
  }
  const mode = String(form.mode || 'forecast').trim();
  if (!Object.prototype.hasOwnProperty.call(MODE_NAMES_, mode)) {
    errors.mode = 'Choose forecast or upper bound (perfect foresight).';
  }
  const registration = registrationField_(form, errors);
  const site = siteDuosFields_(form);
  Object.assign(errors, site.errors);
  if (Object.keys(errors).length) {
    return { request: null, errors: errors };
  }
  return {
    request: Object.assign({
      power_mw: power.value,
      energy_mwh: energy.value,
      round_trip_efficiency: eff.value / 100,
      from: start,
      to: end,
      mode: mode,
      registration: registration,
    }, site.fields),
    errors: errors,
  };
}

/** Form field for each request field the service may name in a problem. */
const BATTERY_FIELDS_ = {
  power_mw: 'power_mw',
  energy_mwh: 'energy_mwh',
  round_trip_efficiency: 'efficiency_pct',
  from: 'start_date',
  from_date: 'start_date',
  to: 'end_date',
  to_date: 'end_date',
  mode: 'mode',
  registration: 'registration',
  distributor: 'distributor',
  import_tariff: 'import_tariff',
  export_tariff: 'export_tariff',
};

/**
 * A /v1/bess/revenue answer as shown: the headline figures on a card, the streams, costs
 * and stated inputs under "details", the assumptions as notes (months and EFA blocks stay
 * out of the sidebar; internals such as solve_seconds are never shown).
 * @param {!Object} answer
 * @return {{card: !Array<!Array<string>>, details: !Array<!Array<string>>,
 *     notes: !Array<string>, rows: !Array<!Array<string>>}}
 */
function revenueView_(answer) {
  const headline = ['net_revenue_gbp', 'gbp_per_mw_per_year', 'equivalent_cycles'];
  // The mode is the card's badge (the page shows it above the figures), and a row of the
  // table written to the sheet.
  const mode = [['Mode', MODE_NAMES_[answer.mode] || String(answer.mode || 'none')]];
  const card = [].concat(shownRows_(headline.filter(function (k) { return k in answer; }).map(function (k) {
      return [k, answer[k]];
    })));
  const rest = {};
  Object.keys(answer).forEach(function (k) {
    if (['by_month', 'by_efa_block', 'assumptions', 'mode', 'data_range',
      'market_data'].concat(headline).indexOf(k) < 0 && answer[k] !== null) {
      rest[k] = answer[k];
    }
  });
  if (Object.prototype.hasOwnProperty.call(REGISTRATION_NAMES_, rest.registration)) {
    rest.registration = REGISTRATION_NAMES_[rest.registration];
  }
  const details = shownRows_(flattenRows_(rest, ''));
  const notes = (Array.isArray(answer.assumptions) ? answer.assumptions : []).map(String);
  return { card: card, details: details, notes: notes,
    rows: mode.concat(card, details, notes.map(function (n) { return ['Assumption', n]; })) };
}

/**
 * See sidebarValueBattery().
 * @param {!Object} form
 * @param {!Object} services From services_().
 * @return {!Object}
 */
function sidebarValueBattery_(form, services) {
  const built = batteryRequest_(form);
  if (!built.request) {
    return { ok: false, errors: built.errors };
  }
  let answer;
  try {
    answer = callService_('post', '/v1/bess/revenue', built.request, {}, services);
  } catch (err) {
    const rename = function (path) {
      const f = String(path || '').split('.').pop();
      return BATTERY_FIELDS_[f] || f;
    };
    err.field = rename(err.field);
    if (err.problem && Array.isArray(err.problem.errors)) {
      err.problem.errors.forEach(function (e) {
        e.field = rename(e.field);
      });
    }
    return formFailure_(err, ['power_mw', 'energy_mwh', 'efficiency_pct', 'start_date',
      'end_date', 'mode', 'registration'].concat(SITE_DUOS_FIELDS_), 'power_mw');
  }
  if (!answer || typeof answer !== 'object') {
    return { ok: false, message: 'The service answered /v1/bess/revenue without an object.' };
  }
  services.properties.getDocumentProperties().setProperty(SETTINGS_KEYS_.battery,
    JSON.stringify({ power_mw: built.request.power_mw, energy_mwh: built.request.energy_mwh,
      efficiency_pct: Number(form.efficiency_pct), start_date: built.request.from,
      end_date: built.request.to, mode: built.request.mode,
      registration: built.request.registration, distributor: built.request.distributor || '',
      import_tariff: built.request.import_tariff || '',
      export_tariff: built.request.export_tariff || '' }));
  const range = answerDataRange_(answer);
  if (range) {
    props_(services).setProperty(DATA_RANGE_KEYS_.battery, range);
  }
  const view = revenueView_(answer);
  // The answer does not echo the site: say which one was charged, from the request.
  const site = built.request.distributor ? [['Site (DUoS)', 'distributor ' +
    built.request.distributor + ', import ' + built.request.import_tariff + ', export ' +
    built.request.export_tariff]] : [];
  view.details = site.concat(view.details);
  view.rows = view.rows.slice(0, 1).concat(site, view.rows.slice(1));
  return {
    ok: true,
    title: 'Battery ' + built.request.power_mw + ' MW / ' + built.request.energy_mwh + ' MWh, ' +
      built.request.from + ' to ' + built.request.to,
    mode: MODE_NAMES_[answer.mode] || String(answer.mode || ''),
    card: view.card,
    details: view.details,
    notes: view.notes,
    dataRange: range,
    table: { columns: ['Item', 'Value'], rows: view.rows },
  };
}

/**
 * Sidebar: writes a result table to the "gbess results" tab, below what is there.
 * @param {{title: string, table: {columns: !Array<string>, rows: !Array<!Array<*>>}}} result
 * @return {{ok: boolean, written: (string|undefined), message: (string|undefined)}}
 */
function sidebarWriteResults(result) {
  return sidebarWriteResults_(result, services_());
}

/**
 * See sidebarWriteResults().
 * @param {!Object} result
 * @param {!Object} services From services_().
 * @return {!Object}
 */
function sidebarWriteResults_(result, services) {
  if (!result || !result.table || !Array.isArray(result.table.rows) ||
      !result.table.rows.length) {
    return { ok: false, message: 'There is no result to write yet.' };
  }
  const sheet = getOrCreateSheet_(services.spreadsheet.getActive(), RESULTS_SHEET_);
  const written = appendTable_(sheet, String(result.title || 'gbess result'),
    result.table.columns, result.table.rows);
  return { ok: true, written: written };
}
