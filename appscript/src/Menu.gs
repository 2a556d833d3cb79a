/**
 * @fileoverview The "gbess" menu: the one onOpen, and a handler per item. Every
 * handler does its work in the spreadsheet, shows progress in a toast, and reports
 * the real outcome (or the service's reason for failing) in an alert or toast.
 */

/** Sheets the menu writes its results to (each has one writer: this add-on). */
const DUOS_SHEET_ = 'DUoS cost';
const BTM_SHEET_ = 'BtM PPA';

/** Marker note on the first cell of lookup output written by the menu. */
const LOOKUP_NOTE_PREFIX_ = 'gbess lookup';

/**
 * Simple trigger: adds the gbess menu. Does nothing that needs authorisation.
 * @param {Object} e The open event.
 */
function onOpen(e) {
  SpreadsheetApp.getUi()
    .createMenu('gbess')
    .addItem('Look up selected sites', 'menuLookupSelection')
    .addItem('Cost DUoS for the selected profile', 'menuCostDuos')
    .addItem('Value a battery…', 'menuValueBattery')
    .addItem('Behind-the-meter PPA…', 'menuBtm')
    .addSeparator()
    .addItem('Refresh dashboard now', 'menuRefreshNow')
    .addItem('Schedule refresh…', 'menuScheduleRefresh')
    .addItem('Auto-lookup on edit…', 'menuAutoLookup')
    .addSeparator()
    .addItem('Open sidebar', 'showSidebar')
    .addItem('Battery fleet…', 'menuFleet')
    .addItem('Risk scenarios…', 'menuRisk')
    .addItem('Investment case…', 'menuInvest')
    .addItem('Settings…', 'menuSettings')
    .addItem('About', 'menuAbout')
    .addToUi();
}

/**
 * Add-on install hook: shows the menu straight away.
 * @param {Object} e The install event.
 */
function onInstall(e) {
  onOpen(e);
}

/**
 * Runs a menu action; any failure is shown to the user as one readable alert.
 * @param {function(!Object): *} action Takes services.
 * @param {!Object=} services Defaults to services_().
 * @return {*} The action's result, or undefined when it failed.
 */
function runMenu_(action, services) {
  const s = services || services_();
  try {
    return action(s);
  } catch (err) {
    toast_(s, 'Failed: ' + errorMessage_(err), 10);
    const ui = s.spreadsheet.getUi();
    ui.alert('gbess', errorMessage_(err), ui.ButtonSet.OK);
    return undefined;
  }
}

/** Menu: Look up selected sites. */
function menuLookupSelection() {
  runMenu_(lookupSelection_);
}

/** Menu: Cost DUoS for the selected profile. */
function menuCostDuos() {
  runMenu_(costDuosSelection_);
}

/** Menu: Value a battery… (the sidebar's battery form). */
function menuValueBattery() {
  runMenu_(function (s) {
    showSidebar_('battery', s);
  });
}

/** Menu: Behind-the-meter PPA… */
function menuBtm() {
  runMenu_(btmSelection_);
}

/** Menu: Refresh dashboard now. */
function menuRefreshNow() {
  runMenu_(refreshNow_);
}

/** Menu: Schedule refresh… */
function menuScheduleRefresh() {
  runMenu_(scheduleRefresh_);
}

/** Menu: Auto-lookup on edit… */
function menuAutoLookup() {
  runMenu_(autoLookup_);
}

/** Menu: About. */
function menuAbout() {
  runMenu_(about_);
}

/**
 * Looks up the selected cells (one site per row) in one request and writes the
 * results in the five columns right of the selection.
 * @param {!Object} services From services_().
 * @return {number} Rows written (0 when cancelled).
 */
function lookupSelection_(services) {
  const ss = services.spreadsheet.getActive();
  const ui = services.spreadsheet.getUi();
  const range = ss.getActiveRange();
  if (!range) {
    throw gbessError_('Select the cells holding postcodes or MPANs first.');
  }
  const sheet = range.getSheet();
  const values = range.getValues();
  const target = sheet.getRange(
    range.getRow(), range.getColumn() + range.getNumColumns(), values.length,
    LOOKUP_HEADERS_.length
  );
  const ours = String(target.getCell(1, 1).getNote()).indexOf(LOOKUP_NOTE_PREFIX_) === 0;
  const occupied = target.getValues().some(function (row) {
    return row.some(function (v) {
      return v !== '';
    });
  });
  if (occupied && !ours) {
    const answer = ui.alert(
      'gbess',
      target.getA1Notation() + ' already holds data. Overwrite it with the lookup results?',
      ui.ButtonSet.YES_NO
    );
    if (answer !== ui.Button.YES) {
      toast_(services, 'Lookup cancelled: nothing was written.');
      return 0;
    }
  }
  toast_(services, 'Looking up ' + values.length + ' rows…', -1);
  const block = lookupBlock_(values, {}, services);
  target.setValues(block.rows);
  target.getCell(1, 1).setNote(
    LOOKUP_NOTE_PREFIX_ + ' ' + new Date(services.now()).toISOString() + ': ' +
      LOOKUP_HEADERS_.join(', ')
  );
  if (range.getRow() > 1) {
    const above = sheet.getRange(
      range.getRow() - 1, target.getColumn(), 1, LOOKUP_HEADERS_.length
    );
    if (above.getValues()[0].every(function (v) { return v === ''; })) {
      above.setValues([LOOKUP_HEADERS_]);
    }
  }
  toast_(
    services,
    'Looked up ' + block.looked + ' sites: ' + (block.looked - block.failed) + ' found, ' +
      block.failed + ' with errors' + (block.failed ? ' (see the #GBESS cells)' : '') + '.',
    10
  );
  return values.length;
}

/**
 * The site to cost: the one saved from the sidebar, confirmed or typed in a prompt.
 * @param {!Object} services From services_().
 * @param {string} title Prompt title.
 * @return {{distributor: string, tariff: string, capacity_kva: number}|null} null: cancelled.
 */
function promptSite_(services, title) {
  const ui = services.spreadsheet.getUi();
  const props = services.properties.getDocumentProperties();
  const saved = JSON.parse(props.getProperty(SETTINGS_KEYS_.site) || 'null');
  const partial = saved && saved.distributor && !(saved.capacity_kva > 0) // blank in sidebar
    ? saved.distributor + ', ' + (saved.tariff || '<tariff>') + ', <kVA>' : '';
  const example = saved && saved.distributor && !partial
    ? saved.distributor + ', ' + saved.tariff + ', ' + saved.capacity_kva
    : '14, HV Site Specific Band 1, 1500';
  const response = ui.prompt(title, 'Distributor id (10-23) or GSP group (_A-_P), tariff ' +
    'and agreed capacity [kVA], separated by commas.\n' + (partial ? 'The sidebar\'s site: ' +
    partial + ' (add its capacity).' : 'Leave blank to use: ' + example), ui.ButtonSet.OK_CANCEL);
  if (response.getSelectedButton() !== ui.Button.OK) {
    return null;
  }
  if (partial && !response.getResponseText().trim()) {
    throw gbessError_('The sidebar\'s site (' + partial + ') has no agreed capacity: type it.');
  }
  const text = response.getResponseText().trim() || example;
  const parts = text.split(',').map(function (p) { return p.trim(); });
  const capacity = Number(parts[parts.length - 1]);
  // A GSP group as well as an id: the sidebar remembers an IDNO site by its host area's group.
  if (parts.length < 3 || !/^(\d{2}|_?[A-Pa-p])$/.test(parts[0]) || !(capacity > 0)) {
    throw gbessError_('Could not read "' + text + '": expected e.g. ' +
      '"14, HV Site Specific Band 1, 1500" (distributor id or GSP group, tariff, capacity ' +
      'in kVA).');
  }
  const site = {
    distributor: parts[0],
    tariff: parts.slice(1, -1).join(', '),
    capacity_kva: capacity,
  };
  props.setProperty(SETTINGS_KEYS_.site, JSON.stringify(Object.assign({}, saved || {}, site)));
  return site;
}

/**
 * Costs DUoS for the selected profile and writes the bill to the "DUoS cost" tab.
 * @param {!Object} services From services_().
 * @return {*} The service's answer, or null when cancelled.
 */
function costDuosSelection_(services) {
  const profile = selectedProfile_(services, ['interval_start', 'import_kwh']);
  const site = promptSite_(services, 'Cost DUoS');
  if (!site) {
    toast_(services, 'DUoS costing cancelled: nothing was written.');
    return null;
  }
  const n = profile.interval_start.length;
  toast_(services, 'Costing DUoS for ' + n + ' half-hours…', -1);
  const answer = callService_('post', '/v1/duos/cost', {
    distributor: site.distributor,
    tariff: site.tariff,
    import_capacity_kva: site.capacity_kva,
    profile: profile,
  }, {}, services);
  if (!answer || typeof answer !== 'object' || typeof answer.total_gbp !== 'number') {
    throw gbessError_('The service answered /v1/duos/cost without a total_gbp.');
  }
  const sections = [
    {
      title: 'DUoS cost: distributor ' + site.distributor + ', ' + site.tariff + ', ' +
        site.capacity_kva + ' kVA, ' + n + ' half-hours',
      columns: ['Item', 'Value'],
      rows: flattenRows_(
        {
          total_gbp: answer.total_gbp,
          effective_p_per_kwh: answer.effective_p_per_kwh,
          charging_years: answer.charging_years,
        },
        ''
      ),
    },
    { title: 'By component', columns: ['Component', '£'],
      rows: flattenRows_(answer.by_component || {}, '') },
  ];
  const months = objectsTable_(answer.by_month || []);
  if (months.rows.length) {
    sections.push({ title: 'By month', columns: months.columns, rows: months.rows });
  }
  const written = writeSections_(getOrCreateSheet_(services.spreadsheet.getActive(),
    DUOS_SHEET_), sections);
  toast_(services, 'DUoS for ' + n + ' half-hours: £' + answer.total_gbp.toFixed(2) +
    ' — written to ' + written + '.', 10);
  return answer;
}

/**
 * Values behind-the-meter PPA economics for the selected load profile (and PV) and
 * writes them to the "BtM PPA" tab: the battery's value, by component and month.
 * @param {!Object} services From services_().
 * @return {*} The service's answer, or null when cancelled.
 */
function btmSelection_(services) {
  const ui = services.spreadsheet.getUi();
  const profile = selectedProfile_(services, ['interval_start', 'import_kwh', 'pv_kwh']);
  const load = profile.import_kwh || profile.load_kwh;
  if (!load) {
    throw gbessError_('The selection has no import_kwh (or load_kwh) column.');
  }
  const site = promptSite_(services, 'Behind-the-meter PPA: the site');
  if (!site) {
    toast_(services, 'BtM valuation cancelled: nothing was written.');
    return null;
  }
  const props = services.properties.getDocumentProperties();
  const battery = JSON.parse(props.getProperty(SETTINGS_KEYS_.battery) || 'null');
  const response = ui.prompt(
    'Behind-the-meter PPA',
    'PPA price [£/MWh]' + (battery ? '' : ', battery power [MW] and energy [MWh]') +
      ', separated by commas' + (battery ? ' (battery: ' + battery.power_mw + ' MW / ' +
      battery.energy_mwh + ' MWh, from the sidebar)' : '') + '.',
    ui.ButtonSet.OK_CANCEL
  );
  if (response.getSelectedButton() !== ui.Button.OK) {
    toast_(services, 'BtM valuation cancelled: nothing was written.');
    return null;
  }
  const parts = response.getResponseText().split(',').map(function (p) { return Number(p); });
  const spec = battery || { power_mw: parts[1], energy_mwh: parts[2] };
  if (!isFinite(parts[0]) || !(spec.power_mw > 0) || !(spec.energy_mwh > 0)) {
    throw gbessError_('Could not read "' + response.getResponseText() + '": expected a PPA ' +
      'price' + (battery ? '' : ', a power in MW and an energy in MWh') + '.');
  }
  const body = {
    load: { interval_start: profile.interval_start, import_kwh: load },
    distributor: site.distributor,
    tariff: site.tariff,
    import_capacity_kva: site.capacity_kva,
    ppa_gbp_per_mwh: parts[0],
    power_mw: spec.power_mw,
    energy_mwh: spec.energy_mwh,
  };
  if (spec.efficiency_pct) {
    body.round_trip_efficiency = spec.efficiency_pct / 100;
  }
  if (profile.pv_kwh) {
    body.pv_kwh = profile.pv_kwh;
  }
  toast_(services, 'Valuing the site with its battery…', -1);
  let answer;
  try {
    answer = callService_('post', '/v1/btm', body, {}, services);
  } catch (err) {
    const missing = missingLevies_(err);
    if (!missing.length) {
      throw err;
    }
    const choice = ui.alert(
      'Behind-the-meter PPA',
      'There is no published rate for ' + missing.join(', ') + ' over this period.\n\n' +
        'Value the site without these levies? They are then left out of the import cost ' +
        '(the result lists what was left out).',
      ui.ButtonSet.YES_NO
    );
    if (choice !== ui.Button.YES) {
      toast_(services, 'BtM valuation cancelled: nothing was written.');
      return null;
    }
    body.without_levies = missing;
    answer = callService_('post', '/v1/btm', body, {}, services);
  }
  if (!answer || typeof answer !== 'object' || typeof answer.battery_value_gbp !== 'number') {
    throw gbessError_('The service answered /v1/btm without a battery_value_gbp.');
  }
  const summary = {};
  Object.keys(answer).forEach(function (k) {
    if (k !== 'by_month' && k !== 'assumptions') {
      summary[k] = answer[k];
    }
  });
  const sections = [{
    title: 'Behind-the-meter PPA at £' + parts[0] + '/MWh: ' + spec.power_mw + ' MW / ' +
      spec.energy_mwh + ' MWh battery, ' + load.length + ' half-hours',
    columns: ['Item', 'Value'],
    rows: flattenRows_(summary, ''),
  }];
  const months = objectsTable_(answer.by_month || []);
  if (months.rows.length) {
    sections.push({ title: 'By month', columns: months.columns, rows: months.rows });
  }
  if (Array.isArray(answer.assumptions) && answer.assumptions.length) {
    sections.push({ title: 'Assumptions', columns: ['Assumption'],
      rows: answer.assumptions.map(function (a) { return [a]; }) });
  }
  const written = writeSections_(
    getOrCreateSheet_(services.spreadsheet.getActive(), BTM_SHEET_), sections);
  toast_(services, 'Battery adds £' + answer.battery_value_gbp.toFixed(2) +
    ' — written to ' + written + '.', 10);
  return answer;
}

/**
 * The levies a /v1/btm problem says have no published rate: its ``missing_levies``
 * extension member (RFC 9457), e.g. ['FiT', 'AAHEDC']. The prose ``detail`` is never parsed.
 * @param {Error} err A gbessError_.
 * @return {!Array<string>} Empty when the error is about something else.
 */
function missingLevies_(err) {
  const list = err && err.problem ? err.problem.missing_levies : null;
  if (!Array.isArray(list)) {
    return [];
  }
  return list.filter(function (name) { return typeof name === 'string' && name !== ''; });
}

/**
 * Refreshes the dashboard now and shows the service's run summary.
 * @param {!Object} services From services_().
 * @return {*} The run summary.
 */
function refreshNow_(services) {
  toast_(services, 'Refreshing the dashboard…', -1);
  const summary = runRefresh_('menu', services, { throwOnJobErrors: false });
  const text = refreshSummaryText_(summary);
  toast_(services, text.split('\n')[0], 10);
  const ui = services.spreadsheet.getUi();
  ui.alert('gbess: dashboard refresh', text, ui.ButtonSet.OK);
  return summary;
}

/**
 * Shows the installed schedule and installs/removes the refresh trigger.
 * @param {!Object} services From services_().
 * @return {string} What is installed afterwards.
 */
function scheduleRefresh_(services) {
  const ui = services.spreadsheet.getUi();
  const response = ui.prompt(
    'gbess: schedule refresh',
    describeTriggers_(services) + '\n\nType hourly, daily or off:',
    ui.ButtonSet.OK_CANCEL
  );
  if (response.getSelectedButton() !== ui.Button.OK) {
    return describeTriggers_(services);
  }
  const choice = response.getResponseText().trim().toLowerCase();
  if (choice !== 'off' && !REFRESH_SCHEDULES_[choice]) {
    throw gbessError_('"' + choice + '" is not a schedule: type hourly, daily or off.');
  }
  const now = setRefreshSchedule_(choice, services);
  ui.alert('gbess: schedule refresh', now, ui.ButtonSet.OK);
  return now;
}

/**
 * Turns the auto-lookup edit trigger on or off.
 * @param {!Object} services From services_().
 * @return {string} What is installed afterwards.
 */
function autoLookup_(services) {
  const ui = services.spreadsheet.getUi();
  const sheetName = readSettings_(services).sitesSheet;
  const on = triggersFor_(services, EDIT_HANDLER_).length > 0;
  const answer = ui.alert(
    'gbess: auto-lookup',
    (on ? 'Auto-lookup is ON' : 'Auto-lookup is OFF') + ' for "' + sheetName + '" (rows ' +
      'whose Postcode/MPAN cells change are looked up and written to the right).\n\n' +
      (on ? 'Turn it off?' : 'Turn it on?'),
    ui.ButtonSet.YES_NO
  );
  if (answer !== ui.Button.YES) {
    return describeTriggers_(services);
  }
  const now = setAutoLookup_(!on, services);
  toast_(services, on ? 'Auto-lookup is off.' : 'Auto-lookup is on for "' + sheetName + '".');
  return now;
}

/**
 * Shows the add-on version, the settings and the service's health.
 * @param {!Object} services From services_().
 * @return {string} The text shown.
 */
function about_(services) {
  const settings = readSettings_(services);
  const lines = ['gbess add-on ' + GBESS_VERSION];
  if (!settings.serviceUrl) {
    lines.push('Service: not set (gbess → Settings)');
  } else {
    lines.push('Service: ' + settings.serviceUrl);
    lines.push('Auth: ' + settings.authMode + (settings.hasSecret ? ' (secret set)' : ''));
    try {
      const health = callService_('get', '/health', null,
        { auth: 'none', maxAttempts: 1 }, services);
      lines.push('Health: ' + (health.status || 'ok') + ', version ' + (health.version || '?'));
      flattenRows_(health, '').forEach(function (r) {
        if (r[0] !== 'status' && r[0] !== 'version') {
          lines.push('  ' + r[0] + ': ' + r[1]);
        }
      });
    } catch (err) {
      lines.push('Health: unreachable — ' + errorMessage_(err));
    }
  }
  const audience = identityAudience_(services);
  if (audience) {
    lines.push('OAuth client id (for the server\'s GBESS_OIDC_AUDIENCES): ' + audience);
  }
  lines.push(describeTriggers_(services));
  const text = lines.join('\n');
  const ui = services.spreadsheet.getUi();
  ui.alert('About gbess', text, ui.ButtonSet.OK);
  return text;
}

/**
 * The audience of this script's identity tokens: its OAuth client id, which the server
 * must list in GBESS_OIDC_AUDIENCES to accept OIDC calls.
 * @param {!Object} services From services_().
 * @return {string} '' when no token is available or it cannot be decoded.
 */
function identityAudience_(services) {
  let token;
  try {
    token = services.script.getIdentityToken();
  } catch (err) {
    return '';
  }
  const part = String(token || '').split('.')[1];
  if (!part) {
    return '';
  }
  try {
    const padded = part + '===='.slice((part.length + 3) % 4 + 1);
    const bytes = services.utilities.base64DecodeWebSafe(padded);
    return String(JSON.parse(services.utilities.newBlob(bytes).getDataAsString()).aud || '');
  } catch (err) {
    return '';
  }
}
