/**
 * @fileoverview Sheet helpers shared by menus, triggers, the sidebar and custom
 * functions: turning cells into queries, lookup results into rows, and writing
 * blocks with one setValues each.
 */

/** Columns written for each looked-up site, in order. */
const LOOKUP_HEADERS_ = ['Distributor id', 'DNO', 'GSP group', 'Match', 'Warnings'];

/** Prefix of every in-cell error, so users can filter or count them. */
const CELL_ERROR_PREFIX_ = '#GBESS: ';

/** Largest integer a cell number holds exactly (2^53 - 1). */
const MAX_EXACT_INTEGER_ = 9007199254740991;

/**
 * The query text for one row of cells: the non-empty cells joined by a space, so a
 * row may hold an MPAN, a postcode, or both.
 * @param {!Array<*>} cells One row of values.
 * @return {{query: string, error: (string|undefined)}} query '' for an empty row.
 */
function queryFromCells_(cells) {
  const parts = [];
  for (let i = 0; i < cells.length; i++) {
    const value = cells[i];
    if (value === '' || value === null || value === undefined) {
      continue;
    }
    if (typeof value === 'number') {
      if (!Number.isInteger(value) || value > MAX_EXACT_INTEGER_) {
        return {
          query: '',
          error:
            'this cell holds a number that has lost digits (' + value + '): format the column ' +
            'as plain text and type the MPAN again',
        };
      }
      parts.push(String(value));
    } else {
      const text = String(value).trim();
      if (text) {
        parts.push(text);
      }
    }
  }
  return { query: parts.join(' ') };
}

/**
 * One field of every candidate (an ambiguous postcode's possible areas) for a cell.
 * @param {*} candidates Objects with gsp_group_id, distributor_id, distributor_name.
 * @param {string} field
 * @return {string} e.g. "_B or _E"; '' without candidates.
 */
function candidatesText_(candidates, field) {
  if (!Array.isArray(candidates) || !candidates.length) {
    return '';
  }
  return candidates
    .map(function (c) {
      return c && typeof c === 'object' ? String(c[field] || '?') : String(c);
    })
    .join(' or ');
}

/**
 * One lookup result as the five cells of LOOKUP_HEADERS_.
 * @param {!Object} result A row of the service's /v1/lookup answer.
 * @return {!Array<*>}
 */
function lookupRow_(result) {
  if (result.error) {
    const detail = (result.error && result.error.detail) || 'lookup failed';
    return [CELL_ERROR_PREFIX_ + detail, '', '', '', ''];
  }
  const warnings = Array.isArray(result.warnings) ? result.warnings.join('; ') : '';
  const id = result.distributor_id;
  return [
    id === null || id === undefined || id === ''
      ? candidatesText_(result.candidates, 'distributor_id')
      : String(id),
    result.distributor_name || candidatesText_(result.candidates, 'distributor_name'),
    result.gsp_group_id || candidatesText_(result.candidates, 'gsp_group_id'),
    result.match || '',
    warnings,
  ];
}

/**
 * A row of `width` empty cells, or one with an error in the first cell.
 * @param {number} width
 * @param {string=} error
 * @return {!Array<string>}
 */
function blankRow_(width, error) {
  const row = [];
  for (let i = 0; i < width; i++) {
    row.push('');
  }
  if (error) {
    row[0] = CELL_ERROR_PREFIX_ + error;
  }
  return row;
}

/**
 * Looks up every row of a block of cells in one request and returns the block of
 * LOOKUP_HEADERS_ rows (blank rows stay blank; per-row errors are in-cell).
 * @param {!Array<!Array<*>>} values The input cells.
 * @param {Object} options Call options (see callService_).
 * @param {!Object} services From services_().
 * @return {{rows: !Array<!Array<*>>, looked: number, failed: number}}
 */
function lookupBlock_(values, options, services) {
  const parsed = values.map(queryFromCells_);
  const queries = parsed
    .filter(function (p) {
      return p.query;
    })
    .map(function (p) {
      return p.query;
    });
  const results = lookupQueries_(queries, options, services);
  let next = 0;
  let failed = 0;
  const rows = parsed.map(function (p) {
    if (p.error) {
      failed += 1;
      return blankRow_(LOOKUP_HEADERS_.length, p.error);
    }
    if (!p.query) {
      return blankRow_(LOOKUP_HEADERS_.length);
    }
    const result = results[next++];
    if (result.error) {
      failed += 1;
    }
    return lookupRow_(result);
  });
  return { rows: rows, looked: queries.length, failed: failed };
}

/** Profile column names accepted in a header row. */
const PROFILE_COLUMNS_ = ['interval_start', 'import_kwh', 'export_kwh', 'reactive_kvarh',
  'load_kwh', 'pv_kwh'];

/**
 * Reads a half-hourly profile from the selection: a header row naming the columns
 * (see PROFILE_COLUMNS_), or no header and the given default columns.
 * @param {!Object} services From services_().
 * @param {!Array<string>} defaults Column names when there is no header row.
 * @return {!Object<string, !Array<*>>} Column name → values (interval_start as ISO).
 */
function selectedProfile_(services, defaults) {
  const range = services.spreadsheet.getActive().getActiveRange();
  if (!range || range.getNumRows() < 2) {
    throw gbessError_('Select the half-hourly profile first: a column of interval starts ' +
      '(dates with times) and a column of ' + defaults[1] + '.');
  }
  let values = range.getValues();
  let columns = defaults;
  const first = values[0].map(function (v) { return String(v).trim().toLowerCase(); });
  if (first.some(function (v) { return PROFILE_COLUMNS_.indexOf(v) >= 0; })) {
    columns = first;
    values = values.slice(1);
  }
  const profile = {};
  columns.forEach(function (name, c) {
    if (PROFILE_COLUMNS_.indexOf(name) < 0) {
      return;
    }
    profile[name] = values.map(function (row, i) {
      const v = row[c];
      if (name === 'interval_start') {
        if (Object.prototype.toString.call(v) === '[object Date]') {
          return v.toISOString();
        }
        if (typeof v === 'string' && v.trim()) {
          return v.trim();
        }
        throw gbessError_('Row ' + (range.getRow() + i + (columns === defaults ? 0 : 1)) +
          ' of the selection has no interval start.');
      }
      if (typeof v !== 'number' || !isFinite(v)) {
        throw gbessError_('Row ' + (range.getRow() + i + (columns === defaults ? 0 : 1)) +
          ': ' + name + ' should be a number, got "' + v + '".');
      }
      return v;
    });
  });
  if (!profile.interval_start) {
    throw gbessError_('The selection has no interval_start column.');
  }
  return profile;
}

/**
 * The sheet with this name, created (empty) if missing.
 * @param {!Object} spreadsheet Spreadsheet.
 * @param {string} name
 * @return {!Object} Sheet.
 */
function getOrCreateSheet_(spreadsheet, name) {
  return spreadsheet.getSheetByName(name) || spreadsheet.insertSheet(name);
}

/**
 * Pads rows to one width (setValues needs a rectangle) and keeps text that starts
 * with "=" as text (setValues would otherwise read it as a formula).
 * @param {!Array<!Array<*>>} rows
 * @return {!Array<!Array<*>>}
 */
function rectangle_(rows) {
  const width = rows.reduce(function (w, r) {
    return Math.max(w, r.length);
  }, 1);
  return rows.map(function (r) {
    const out = r.map(function (v) {
      return typeof v === 'string' && v.charAt(0) === '=' ? "'" + v : v;
    });
    while (out.length < width) {
      out.push('');
    }
    return out;
  });
}

/**
 * Writes a titled table below the last used row of a sheet, in one setValues.
 * @param {!Object} sheet Sheet.
 * @param {string} title First row.
 * @param {!Array<string>} columns Header row.
 * @param {!Array<!Array<*>>} rows Data rows.
 * @return {string} The A1 notation written.
 */
function appendTable_(sheet, title, columns, rows) {
  const block = rectangle_([[title]].concat([columns], rows));
  const top = sheet.getLastRow() + (sheet.getLastRow() ? 2 : 1);
  const range = sheet.getRange(top, 1, block.length, block[0].length);
  range.setValues(block);
  sheet.getRange(top, 1, 2, block[0].length).setFontWeight('bold');
  return sheet.getName() + '!' + range.getA1Notation();
}

/**
 * Replaces a sheet's content with sections (title, header, rows) in one setValues.
 * @param {!Object} sheet Sheet.
 * @param {!Array<{title: string, columns: !Array<string>, rows: !Array<!Array<*>>}>} sections
 * @return {string} The A1 notation written.
 */
function writeSections_(sheet, sections) {
  let block = [];
  sections.forEach(function (s, i) {
    if (i) {
      block.push(['']);
    }
    block = block.concat([[s.title], s.columns], s.rows);
  });
  block = rectangle_(block);
  sheet.clearContents();
  const range = sheet.getRange(1, 1, block.length, block[0].length);
  range.setValues(block);
  return sheet.getName() + '!' + range.getA1Notation();
}

/**
 * Nested JSON as [name, value] rows: objects flattened with dotted names, lists of
 * scalars joined, lists of objects one row per item.
 * @param {*} value
 * @param {string} prefix
 * @return {!Array<!Array<*>>}
 */
function flattenRows_(value, prefix) {
  if (value === null || value === undefined) {
    return [[prefix, '']];
  }
  if (Array.isArray(value)) {
    if (value.every(function (v) { return v === null || typeof v !== 'object'; })) {
      return [[prefix, value.join(', ')]];
    }
    let rows = [];
    value.forEach(function (v, i) {
      rows = rows.concat(flattenRows_(v, prefix + '[' + (i + 1) + ']'));
    });
    return rows;
  }
  if (typeof value === 'object') {
    let rows = [];
    Object.keys(value).forEach(function (k) {
      rows = rows.concat(flattenRows_(value[k], prefix ? prefix + '.' + k : k));
    });
    return rows;
  }
  return [[prefix, value]];
}

/**
 * A list of flat objects as a table (columns from the first object's keys).
 * @param {!Array<!Object>} objects
 * @return {{columns: !Array<string>, rows: !Array<!Array<*>>}}
 */
function objectsTable_(objects) {
  if (!Array.isArray(objects) || !objects.length) {
    return { columns: [], rows: [] };
  }
  const columns = Object.keys(objects[0]);
  const rows = objects.map(function (o) {
    return columns.map(function (c) {
      const v = o[c];
      if (v === null || v === undefined) {
        return '';
      }
      return typeof v === 'object' ? JSON.stringify(v) : v;
    });
  });
  return { columns: columns, rows: rows };
}

/**
 * Shows a toast in the spreadsheet (progress and outcomes of long actions).
 * @param {!Object} services From services_().
 * @param {string} message
 * @param {number=} seconds How long to show it; -1 keeps it until the next toast.
 */
function toast_(services, message, seconds) {
  services.spreadsheet.getActive().toast(message, 'gbess', seconds === undefined ? 5 : seconds);
}
