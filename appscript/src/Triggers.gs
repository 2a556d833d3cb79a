/**
 * @fileoverview Triggers: the one installable on-edit handler (auto-lookup of rows
 * edited in the Sites tab, debounced: one request per edit batch, one setValues per
 * block of rows) and the time-driven dashboard refresh (POST /v1/jobs/refresh).
 */

/** Handler names, as ScriptApp stores them. */
const EDIT_HANDLER_ = 'onSitesEdit';
const REFRESH_HANDLER_ = 'scheduledRefresh';

/** Wait after an edit before looking up [ms], so a burst of edits makes one request. */
const EDIT_DEBOUNCE_MS_ = 2000;

/** Document-cache keys of the pending edited rows and the edit generation. */
const PENDING_KEY_ = 'gbess:sites-pending';
const GENERATION_KEY_ = 'gbess:sites-generation';

/** Schedules offered for the refresh trigger. */
const REFRESH_SCHEDULES_ = {
  hourly: 'every hour',
  daily: 'every day at about 06:00',
};

/** Property holding the installed schedule (triggers do not expose their interval). */
const SCHEDULE_KEY_ = 'GBESS_REFRESH_SCHEDULE';

/** What /v1/jobs/refresh is asked to do: no tab names = every tab. */
const REFRESH_REQUEST_ = { tabs: [] };

/** Header of the Sites tab columns read as queries. */
const QUERY_HEADER_RE_ = /postcode|mpan/i;

/**
 * Installable on-edit handler (installed from the menu, not a simple trigger, so it
 * may call the service). Looks up rows whose postcode/MPAN cells changed.
 * @param {!Object} e The edit event.
 * @return {number} Rows looked up by this execution.
 */
function onSitesEdit(e) {
  return handleSitesEdit_(e, services_());
}

/**
 * Time-driven handler: refreshes the dashboard through the service.
 * @param {Object} e The time-driven event.
 */
function scheduledRefresh(e) {
  runRefresh_('schedule', services_(), { throwOnJobErrors: true });
}

/**
 * Where the Sites tab keeps its queries and lookup results.
 * @param {!Object} sheet The Sites tab.
 * @return {{queryColumns: !Array<number>, outputColumn: number, needsHeaders: boolean}|null}
 *     Columns are 1-based; null when no header names a postcode or MPAN.
 */
function sitesLayout_(sheet) {
  const width = sheet.getLastColumn();
  if (!width) {
    return null;
  }
  const headers = sheet.getRange(1, 1, 1, width).getValues()[0];
  const queryColumns = [];
  let outputColumn = 0;
  headers.forEach(function (h, i) {
    const text = String(h);
    if (text === LOOKUP_HEADERS_[0]) {
      outputColumn = i + 1;
    } else if (!outputColumn && QUERY_HEADER_RE_.test(text)) {
      queryColumns.push(i + 1);
    }
  });
  if (!queryColumns.length) {
    return null;
  }
  return {
    queryColumns: queryColumns,
    outputColumn: outputColumn || width + 1,
    needsHeaders: !outputColumn,
  };
}

/**
 * Contiguous runs of sorted row numbers.
 * @param {!Array<number>} rows
 * @return {!Array<{first: number, count: number}>}
 */
function rowBlocks_(rows) {
  const sorted = rows.slice().sort(function (a, b) {
    return a - b;
  });
  const blocks = [];
  sorted.forEach(function (r) {
    const last = blocks[blocks.length - 1];
    if (last && r === last.first + last.count) {
      last.count += 1;
    } else if (!last || r >= last.first + last.count) {
      blocks.push({ first: r, count: 1 });
    }
  });
  return blocks;
}

/**
 * Records edited rows, waits for the burst to end, and lets only the last edit of the
 * burst do the lookup for all of them.
 * @param {!Object} e The edit event.
 * @param {!Object} services From services_().
 * @return {number} Rows looked up by this invocation (0 when another one will).
 */
function handleSitesEdit_(e, services) {
  const range = e && e.range;
  if (!range) {
    return 0;
  }
  const sheet = range.getSheet();
  const settings = readSettings_(services);
  if (sheet.getName() !== settings.sitesSheet) {
    return 0;
  }
  const layout = sitesLayout_(sheet);
  if (!layout) {
    return 0;
  }
  const firstCol = range.getColumn();
  const lastCol = firstCol + range.getNumColumns() - 1;
  const touchesQuery = layout.queryColumns.some(function (c) {
    return c >= firstCol && c <= lastCol;
  });
  const firstRow = Math.max(range.getRow(), 2);
  const lastRow = range.getRow() + range.getNumRows() - 1;
  if (!touchesQuery || lastRow < firstRow) {
    return 0;
  }
  const cache = services.cache.getDocumentCache();
  const lock = services.lock.getDocumentLock();
  lock.waitLock(10000);
  let generation;
  try {
    const pending = JSON.parse(cache.get(PENDING_KEY_) || '[]');
    for (let r = firstRow; r <= lastRow; r++) {
      if (pending.indexOf(r) < 0) {
        pending.push(r);
      }
    }
    generation = Number(cache.get(GENERATION_KEY_) || '0') + 1;
    cache.putAll({ [PENDING_KEY_]: JSON.stringify(pending), [GENERATION_KEY_]: String(generation) },
      600);
  } finally {
    lock.releaseLock();
  }
  services.utilities.sleep(EDIT_DEBOUNCE_MS_);
  let rows;
  lock.waitLock(10000);
  try {
    if (cache.get(GENERATION_KEY_) !== String(generation)) {
      return 0; // a later edit arrived while waiting: it looks up every pending row
    }
    rows = JSON.parse(cache.get(PENDING_KEY_) || '[]');
    cache.remove(PENDING_KEY_);
  } finally {
    lock.releaseLock();
  }
  return lookupSitesRows_(sheet, layout, rows, services);
}

/**
 * Looks up the given rows of the Sites tab in one request and writes each block of
 * contiguous rows with one setValues.
 * @param {!Object} sheet The Sites tab.
 * @param {!Object} layout From sitesLayout_.
 * @param {!Array<number>} rows 1-based row numbers.
 * @param {!Object} services From services_().
 * @return {number} Rows written.
 */
function lookupSitesRows_(sheet, layout, rows, services) {
  const blocks = rowBlocks_(rows);
  if (!blocks.length) {
    return 0;
  }
  const firstQ = Math.min.apply(null, layout.queryColumns);
  const lastQ = Math.max.apply(null, layout.queryColumns);
  const inputs = [];
  blocks.forEach(function (b) {
    const values = sheet.getRange(b.first, firstQ, b.count, lastQ - firstQ + 1).getValues();
    values.forEach(function (row) {
      inputs.push(
        layout.queryColumns.map(function (c) {
          return row[c - firstQ];
        })
      );
    });
  });
  let out;
  try {
    out = lookupBlock_(inputs, {}, services).rows;
  } catch (err) {
    // The whole request failed: say so in each edited row rather than silently.
    out = inputs.map(function () {
      return blankRow_(LOOKUP_HEADERS_.length, errorMessage_(err));
    });
  }
  if (layout.needsHeaders) {
    sheet.getRange(1, layout.outputColumn, 1, LOOKUP_HEADERS_.length).setValues([LOOKUP_HEADERS_]);
  }
  let next = 0;
  blocks.forEach(function (b) {
    sheet
      .getRange(b.first, layout.outputColumn, b.count, LOOKUP_HEADERS_.length)
      .setValues(out.slice(next, next + b.count));
    next += b.count;
  });
  return next;
}

/**
 * The run summary of /v1/jobs/refresh as text: a first line with the outcome, then one
 * line per tab.
 * @param {*} summary {ok, tabs: [{job, status, rows, error}], duration_s, backend}.
 * @return {string}
 */
function refreshSummaryText_(summary) {
  if (!summary || typeof summary !== 'object' || !Array.isArray(summary.tabs)) {
    return 'The service answered /v1/jobs/refresh without a run summary.';
  }
  const failed = summary.tabs.filter(function (t) {
    return t.status !== 'ok';
  });
  const head = failed.length
    ? failed.length + ' of ' + summary.tabs.length + ' dashboard tabs failed'
    : 'Dashboard refreshed: ' + summary.tabs.length + ' tabs';
  const lines = [head + (typeof summary.duration_s === 'number'
    ? ' in ' + summary.duration_s.toFixed(1) + ' s' : '') +
    (summary.backend ? ' (' + summary.backend + ')' : '') + '.'];
  summary.tabs.forEach(function (t) {
    lines.push(t.job + ': ' + t.status + (t.status === 'ok' ? ', ' + t.rows + ' rows'
      : (t.error ? ' — ' + t.error : '')));
  });
  return lines.join('\n');
}

/**
 * Calls POST /v1/jobs/refresh and records the outcome in Document Properties.
 * @param {string} source 'menu' or 'schedule'.
 * @param {!Object} services From services_().
 * @param {{throwOnJobErrors: boolean}} options Throw when a tab's job failed (for the
 *     time trigger, so Apps Script reports the failed run).
 * @return {*} The service's run summary.
 * @throws {Error} When the refresh failed (recorded first, so About shows it).
 */
function runRefresh_(source, services, options) {
  const started = new Date(services.now()).toISOString();
  const props = services.properties.getDocumentProperties();
  try {
    const summary = callService_('post', '/v1/jobs/refresh', REFRESH_REQUEST_, {}, services);
    const ok = Boolean(summary && summary.ok);
    const text = refreshSummaryText_(summary);
    props.setProperty(
      SETTINGS_KEYS_.lastRefresh,
      JSON.stringify(ok ? { source: source, started: started, status: 'ok', summary: text }
        : { source: source, started: started, status: 'error', error: text })
    );
    if (!ok && options && options.throwOnJobErrors) {
      throw gbessError_(text);
    }
    return summary;
  } catch (err) {
    props.setProperty(
      SETTINGS_KEYS_.lastRefresh,
      JSON.stringify({ source: source, started: started, status: 'error',
        error: errorMessage_(err) })
    );
    throw err;
  }
}

/**
 * The project's triggers with these handler names.
 * @param {!Object} services From services_().
 * @param {string} handler
 * @return {!Array<!Object>} Trigger objects.
 */
function triggersFor_(services, handler) {
  return services.script.getProjectTriggers().filter(function (t) {
    return t.getHandlerFunction() === handler;
  });
}

/**
 * Installs (replacing any other) or removes the refresh trigger.
 * @param {string} schedule 'hourly', 'daily' or 'off'.
 * @param {!Object} services From services_().
 * @return {string} What is installed now.
 */
function setRefreshSchedule_(schedule, services) {
  triggersFor_(services, REFRESH_HANDLER_).forEach(function (t) {
    services.script.deleteTrigger(t);
  });
  const props = services.properties.getDocumentProperties();
  if (schedule === 'off') {
    props.deleteProperty(SCHEDULE_KEY_);
    return describeTriggers_(services);
  }
  const builder = services.script.newTrigger(REFRESH_HANDLER_).timeBased();
  if (schedule === 'hourly') {
    builder.everyHours(1).create();
  } else {
    builder.everyDays(1).atHour(6).create();
  }
  props.setProperty(SCHEDULE_KEY_, schedule);
  return describeTriggers_(services);
}

/**
 * Installs the on-edit trigger (once) or removes it.
 * @param {boolean} on
 * @param {!Object} services From services_().
 * @return {string} What is installed now.
 */
function setAutoLookup_(on, services) {
  const existing = triggersFor_(services, EDIT_HANDLER_);
  if (on && !existing.length) {
    services.script
      .newTrigger(EDIT_HANDLER_)
      .forSpreadsheet(services.spreadsheet.getActive())
      .onEdit()
      .create();
  }
  if (!on) {
    existing.forEach(function (t) {
      services.script.deleteTrigger(t);
    });
  }
  return describeTriggers_(services);
}

/**
 * One line per installed gbess trigger, plus the last refresh outcome.
 * @param {!Object} services From services_().
 * @return {string}
 */
function describeTriggers_(services) {
  const props = services.properties.getDocumentProperties();
  const lines = [];
  const refresh = triggersFor_(services, REFRESH_HANDLER_);
  const schedule = props.getProperty(SCHEDULE_KEY_);
  lines.push(
    refresh.length
      ? 'Dashboard refresh: ' + (REFRESH_SCHEDULES_[schedule] || 'installed') +
          (refresh.length > 1 ? ' (' + refresh.length + ' triggers)' : '')
      : 'Dashboard refresh: not scheduled'
  );
  lines.push(
    triggersFor_(services, EDIT_HANDLER_).length
      ? 'Auto-lookup: on for edits in "' + readSettings_(services).sitesSheet + '"'
      : 'Auto-lookup: off'
  );
  const last = props.getProperty(SETTINGS_KEYS_.lastRefresh);
  if (last) {
    const r = JSON.parse(last);
    lines.push(
      'Last refresh (' + r.source + ', ' + r.started + '): ' +
        (r.status === 'ok' ? 'ok' : 'failed: ' + r.error)
    );
  }
  return lines.join('\n');
}
