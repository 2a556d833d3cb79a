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
  const html = services.html.createHtmlOutputFromFile('Sidebar').setTitle('gbess');
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
  let rows = flattenRows_(result, '').filter(function (r) {
    return r[1] !== '';
  });
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
      rows = rows.concat(duosRatesRows_(rates));
    } catch (err) {
      return formFailure_(err, ['tariff'], 'tariff', { distributor: mpan ? 'mpan' : 'postcode' });
    }
  }
  services.properties.getDocumentProperties().setProperty(SETTINGS_KEYS_.site, JSON.stringify({
    postcode: postcode, mpan: mpan, tariff: tariff, capacity_kva: capacity,
    distributor: result.gsp_group_id ||
      (result.distributor_id ? String(result.distributor_id) : ''),
  }));
  return { ok: true, title: 'Site ' + [mpan, postcode].filter(Boolean).join(' '),
    table: { columns: ['Field', 'Value'], rows: rows } };
}

/**
 * Sidebar: values a battery over a period (POST /v1/bess/revenue).
 * @param {!Object} form power_mw, energy_mwh, efficiency_pct (round trip), start_date,
 *     end_date.
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
  if (Object.keys(errors).length) {
    return { request: null, errors: errors };
  }
  return {
    request: {
      power_mw: power.value,
      energy_mwh: energy.value,
      round_trip_efficiency: eff.value / 100,
      from: start,
      to: end,
    },
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
};

/**
 * A /v1/bess/revenue answer as [name, value] rows: totals, streams, costs and hours in
 * service, then the stated assumptions (months and EFA blocks stay out of the sidebar).
 * @param {!Object} answer
 * @return {!Array<!Array<*>>}
 */
function revenueRows_(answer) {
  const summary = {};
  Object.keys(answer).forEach(function (k) {
    if (['by_month', 'by_efa_block', 'assumptions'].indexOf(k) < 0) {
      summary[k] = answer[k];
    }
  });
  const rows = flattenRows_(summary, '');
  (Array.isArray(answer.assumptions) ? answer.assumptions : []).forEach(function (a) {
    rows.push(['assumption', a]);
  });
  return rows;
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
      'end_date'], 'power_mw');
  }
  if (!answer || typeof answer !== 'object') {
    return { ok: false, message: 'The service answered /v1/bess/revenue without an object.' };
  }
  services.properties.getDocumentProperties().setProperty(SETTINGS_KEYS_.battery,
    JSON.stringify({ power_mw: built.request.power_mw, energy_mwh: built.request.energy_mwh,
      efficiency_pct: Number(form.efficiency_pct), start_date: built.request.from,
      end_date: built.request.to }));
  return {
    ok: true,
    title: 'Battery ' + built.request.power_mw + ' MW / ' + built.request.energy_mwh + ' MWh, ' +
      built.request.from + ' to ' + built.request.to,
    table: { columns: ['Item', 'Value'], rows: revenueRows_(answer) },
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
