/**
 * @fileoverview The battery fleet panel (gbess → Battery fleet…): the leaderboard of
 * battery BM units from GET /v1/fleet — per unit, per lead party, by region and by route to
 * market — with BM volumes and cashflows for the settlement dates asked for. A figure the
 * service could not compute is shown as "—" with its reason, never as 0.
 */

/** Rows of the unit table shown in the panel (largest units first). */
const FLEET_TOP_UNITS_ = 15;

/** Menu: Battery fleet… */
function menuFleet() {
  runMenu_(showFleet_);
}

/**
 * Opens the fleet panel.
 * @param {!Object} services From services_().
 */
function showFleet_(services) {
  const html = htmlPage_(services, 'Fleet').setTitle('gbess fleet');
  services.spreadsheet.getUi().showSidebar(html);
}

/**
 * Panel: the fleet leaderboard for a form {from, to} (settlement dates, both optional).
 * @param {!Object} form The panel's form values.
 * @return {!Object} {ok: true, title, summary, units, parties, routes, regions, notes} or
 *     {ok: false, errors: {field: message}} / {ok: false, message}.
 */
function fleetPanel(form) {
  return fleetPanel_(form, services_());
}

/**
 * See fleetPanel().
 * @param {!Object} form {from: string, to: string}.
 * @param {!Object} services From services_().
 * @return {!Object}
 */
function fleetPanel_(form, services) {
  const first = String((form && form.from) || '').trim();
  const last = String((form && form.to) || '').trim();
  const errors = {};
  const datePattern = /^\d{4}-\d{2}-\d{2}$/;
  if (first && !datePattern.test(first)) {
    errors.from = 'Use a date like 2026-09-30.';
  }
  if (last && !datePattern.test(last)) {
    errors.to = 'Use a date like 2026-09-30.';
  }
  if (last && !first) {
    errors.from = 'Give the first settlement date too.';
  }
  if (!errors.from && !errors.to && first && last && last < first) {
    errors.to = 'The last date is before the first.';
  }
  if (Object.keys(errors).length) {
    return { ok: false, errors: errors };
  }
  const query = first ? '?from=' + first + (last ? '&to=' + last : '') : '';
  let answer;
  try {
    answer = callService_('get', '/v1/fleet' + query, null, {}, services);
  } catch (err) {
    if (err && (err.field === 'from' || err.field === 'to')) {
      const fieldErrors = {};
      fieldErrors[err.field] = errorMessage_(err);
      return { ok: false, errors: fieldErrors };
    }
    return { ok: false, message: errorMessage_(err) };
  }
  if (!answer || !Array.isArray(answer.units)) {
    return { ok: false, message: 'The service answered /v1/fleet without units.' };
  }
  return fleetView_(answer);
}

/**
 * A number for the panel, or "—" when absent.
 * @param {*} value
 * @param {number} places Decimal places.
 * @param {string=} unit Appended after a space.
 * @return {string}
 */
function fleetNumber_(value, places, unit) {
  if (typeof value !== 'number' || !isFinite(value)) {
    return '—';
  }
  const text = value.toLocaleString('en-GB', {
    minimumFractionDigits: places, maximumFractionDigits: places });
  return unit ? text + ' ' + unit : text;
}

/**
 * A 0-1 fraction as a percentage, or "—".
 * @param {*} value
 * @return {string}
 */
function fleetShare_(value) {
  return typeof value === 'number' && isFinite(value) ? (100 * value).toFixed(1) + '%' : '—';
}

/**
 * The panel's view of a /v1/fleet document: tables of strings, absences with reasons.
 * @param {!Object} answer The document.
 * @return {!Object}
 */
function fleetView_(answer) {
  const period = answer.period;
  const reasons = {};
  const units = answer.units.slice(0, FLEET_TOP_UNITS_).map(function (u) {
    if (u.bm_cashflow_gbp === null && u.bm_missing_reason) {
      reasons[u.bm_missing_reason] = true;
    }
    return [
      u.elexon_bm_unit,
      u.lead_party_name || '—',
      fleetNumber_(u.generation_capacity_mw, 1),
      fleetShare_(u.fleet_share_frac),
      u.region || '—',
      u.route_to_market || '—',
      fleetNumber_(u.bm_cashflow_gbp, 0),
      fleetNumber_(u.bm_cashflow_gbp_per_mw, 0),
    ];
  });
  function groups(rows, key) {
    return rows.map(function (g) {
      return [g[key], String(g.units), fleetNumber_(g.generation_capacity_mw, 1),
        fleetShare_(g.fleet_share_frac), fleetNumber_(g.bm_cashflow_gbp, 0)];
    });
  }
  const totalMw = answer.units.reduce(function (sum, u) {
    return sum + (typeof u.generation_capacity_mw === 'number' ? u.generation_capacity_mw : 0);
  }, 0);
  return {
    ok: true,
    title: answer.registry.units + ' battery BM units' +
      (period ? ' — BM ' + period.from + (period.to !== period.from ? ' to ' + period.to : '') : ''),
    summary: [
      ['Units', String(answer.registry.units)],
      ['Generation capacity', fleetNumber_(totalMw, 1, 'MW')],
      ['Registry', answer.registry.source],
    ],
    units: {
      columns: ['Unit', 'Lead party', 'MW', 'Share', 'Region', 'Route', 'BM £', 'BM £/MW'],
      rows: units,
    },
    parties: { columns: ['Lead party', 'Units', 'MW', 'Share', 'BM £'],
      rows: groups(answer.by_lead_party || [], 'lead_party_name') },
    routes: { columns: ['Route to market', 'Units', 'MW', 'Share', 'BM £'],
      rows: groups(answer.by_route || [], 'route_to_market') },
    regions: { columns: ['Region', 'Units', 'MW', 'Share', 'BM £'],
      rows: groups(answer.by_region || [], 'region') },
    notes: Object.keys(reasons).map(function (r) { return 'BM £ —: ' + r; })
      .concat(answer.dynamic_response && !answer.dynamic_response.available
        ? ['Dynamic response £ —: ' + answer.dynamic_response.reason] : [])
      .concat(answer.warnings || []),
  };
}
