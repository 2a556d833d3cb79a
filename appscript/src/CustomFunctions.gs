/**
 * @fileoverview Custom functions: =GBESS_LOOKUP(range) and =GBESS_DUOS_RATES(...).
 *
 * Custom functions run without authorisation: no identity token (so they sign with
 * HMAC), read-only properties and spreadsheet, 30 seconds per call. A whole range is
 * looked up in ONE request; answers are cached in CacheService under hashed keys,
 * chunked below the 100 KB value limit. Errors come back in-cell as
 * "#GBESS: <reason>", never as thrown stack traces.
 */

/** Cache lifetime [s]: the CacheService maximum (6 hours). */
const CACHE_TTL_S_ = 21600;

/** Largest cached value [characters = bytes: values are ASCII JSON]; limit is 100 KB. */
const CACHE_CHUNK_CHARS_ = 90000;

/** Most chunks one answer may use: the cache holds about 1,000 items in all. */
const CACHE_MAX_CHUNKS_ = 50;

/**
 * Looks up the network operator of each postcode or MPAN in a range.
 *
 * @param {A2:A1000} range Cells holding postcodes and/or MPANs (one site per row;
 *     a row's non-empty cells are read together, e.g. an MPAN and a postcode).
 * @return Distributor id, DNO, GSP group, match and warnings for each row.
 * @customfunction
 */
function GBESS_LOOKUP(range) {
  return gbessLookup_(range, services_());
}

/**
 * The DUoS rates of a tariff on a date.
 *
 * @param {14} distributor Distributor id (10-23) or GSP group (e.g. "_C").
 * @param {"Domestic Aggregated"} tariff Tariff name, as in the charging statement.
 * @param {DATE(2025,6,1)} date The day whose charging year applies.
 * @return Rate names and values (p/kWh, p/MPAN/day, p/kVA/day) and band windows.
 * @customfunction
 */
function GBESS_DUOS_RATES(distributor, tariff, date) {
  return gbessDuosRates_(distributor, tariff, date, services_());
}

/**
 * See GBESS_LOOKUP.
 * @param {*} range A value or a 2-D array of values.
 * @param {!Object} services From services_().
 * @return {!Array<!Array<*>>}
 */
function gbessLookup_(range, services) {
  const values = Array.isArray(range) ? range : [[range]];
  try {
    const parsed = values.map(queryFromCells_);
    const queries = [];
    const position = {};
    parsed.forEach(function (p) {
      if (p.query && !Object.prototype.hasOwnProperty.call(position, p.query)) {
        position[p.query] = queries.length;
        queries.push(p.query);
      }
    });
    const settings = readSettings_(services);
    const key = cacheKey_('lookup', settings.serviceUrl + '|' + asciiJson_(queries), services);
    const cache = scriptCache_(services);
    let results = cacheGetJson_(cache, key);
    if (!Array.isArray(results) || results.length !== queries.length) {
      results = lookupQueries_(queries, CUSTOM_FUNCTION_CALL_, services);
      cachePutJson_(cache, key, results, CACHE_TTL_S_);
    }
    return parsed.map(function (p) {
      if (p.error) {
        return blankRow_(LOOKUP_HEADERS_.length, p.error);
      }
      if (!p.query) {
        return blankRow_(LOOKUP_HEADERS_.length);
      }
      return lookupRow_(results[position[p.query]]);
    });
  } catch (err) {
    return [[CELL_ERROR_PREFIX_ + errorMessage_(err)]];
  }
}

/**
 * See GBESS_DUOS_RATES.
 * @param {*} distributor
 * @param {*} tariff
 * @param {*} date A Date (a date cell) or 'YYYY-MM-DD' text.
 * @param {!Object} services From services_().
 * @return {!Array<!Array<*>>} [name, value] rows.
 */
function gbessDuosRates_(distributor, tariff, date, services) {
  try {
    const body = {
      distributor: String(distributor === undefined || distributor === null ? '' : distributor)
        .trim(),
      tariff: String(tariff === undefined || tariff === null ? '' : tariff).trim(),
      date: isoDate_(date, services),
    };
    if (!body.distributor) {
      return [[CELL_ERROR_PREFIX_ + 'give a distributor id (10-23) or GSP group']];
    }
    if (!body.tariff) {
      return [[CELL_ERROR_PREFIX_ + 'give a tariff name']];
    }
    if (!body.date) {
      return [[CELL_ERROR_PREFIX_ + 'give a date (a date cell or YYYY-MM-DD)']];
    }
    const settings = readSettings_(services);
    const key = cacheKey_('duos-rates', settings.serviceUrl + '|' + asciiJson_(body), services);
    const cache = scriptCache_(services);
    let answer = cacheGetJson_(cache, key);
    if (!answer || typeof answer !== 'object') {
      answer = callService_('post', '/v1/duos/rates', body, CUSTOM_FUNCTION_CALL_, services);
      if (!answer || typeof answer !== 'object' || Array.isArray(answer)) {
        throw gbessError_('The service answered /v1/duos/rates without an object.');
      }
      cachePutJson_(cache, key, answer, CACHE_TTL_S_);
    }
    return duosRatesRows_(answer);
  } catch (err) {
    return [[CELL_ERROR_PREFIX_ + errorMessage_(err)]];
  }
}

/**
 * A /v1/duos/rates answer as [name, value] rows: the tariff, then per charging year
 * its charges in published units and its band windows (UK clock time), then sources.
 * @param {!Object} answer {tariff_name, distributor_id, gsp_group_id, voltage_level,
 *     direction, years: [{charging_year, rates, band_windows, source_doc_id}]}.
 * @return {!Array<!Array<*>>}
 */
function duosRatesRows_(answer) {
  if (!Array.isArray(answer.years)) {
    return flattenRows_(answer, '');
  }
  const rows = [
    ['tariff', answer.tariff_name || ''],
    ['distributor_id', answer.distributor_id || ''],
    ['gsp_group_id', answer.gsp_group_id || ''],
    ['voltage_level', answer.voltage_level || ''],
    ['direction', answer.direction || ''],
  ];
  answer.years.forEach(function (y) {
    rows.push(['charging_year', y.charging_year]);
    Object.keys(y.rates || {}).forEach(function (k) {
      rows.push([k, y.rates[k] === null || y.rates[k] === undefined ? 'none' : y.rates[k]]);
    });
    (y.band_windows || []).forEach(function (w) {
      const allYear = !Array.isArray(w.months) || w.months.length === 12;
      rows.push([w.band + ' band, ' + w.day_type,
        w.start_uk_clock + '-' + w.end_uk_clock +
          (allYear ? '' : ' (months ' + w.months.join(',') + ')') +
          (w.date_exception ? ' (' + w.date_exception + ')' : '')]);
    });
    rows.push(['source', y.source_doc_id || '']);
  });
  return rows;
}

/**
 * A date cell or text as 'YYYY-MM-DD' in the spreadsheet's time zone.
 * @param {*} value
 * @param {!Object} services From services_().
 * @return {string} '' when the value is not a date.
 */
function isoDate_(value, services) {
  if (Object.prototype.toString.call(value) === '[object Date]') {
    if (isNaN(value.getTime())) {
      return '';
    }
    const tz = services.spreadsheet.getActive().getSpreadsheetTimeZone();
    return services.utilities.formatDate(value, tz, 'yyyy-MM-dd');
  }
  const text = String(value === undefined || value === null ? '' : value).trim();
  return /^\d{4}-\d{2}-\d{2}$/.test(text) ? text : '';
}

/**
 * The document cache when bound to a spreadsheet, else the script cache.
 * @param {!Object} services From services_().
 * @return {!Object} Cache.
 */
function scriptCache_(services) {
  return services.cache.getDocumentCache() || services.cache.getScriptCache();
}

/**
 * A cache key: kind + SHA-256 hex of the text (always 64 + a few characters, far
 * below the 250-character key limit).
 * @param {string} kind
 * @param {string} text
 * @param {!Object} services From services_().
 * @return {string}
 */
function cacheKey_(kind, text, services) {
  const u = services.utilities;
  return 'gbess:' + kind + ':' +
    hexFromBytes_(u.computeDigest(u.DigestAlgorithm.SHA_256, text, u.Charset.UTF_8));
}

/**
 * Reads a cached JSON value written by cachePutJson_.
 * @param {!Object} cache Cache.
 * @param {string} key
 * @return {*} undefined when missing or incomplete.
 */
function cacheGetJson_(cache, key) {
  const head = cache.get(key);
  if (head === null || head === undefined) {
    return undefined;
  }
  let text;
  if (head.indexOf('json:') === 0) {
    text = head.slice(5);
  } else {
    const m = /^chunks:(\d+)$/.exec(head);
    if (!m) {
      return undefined;
    }
    const keys = [];
    for (let i = 0; i < Number(m[1]); i++) {
      keys.push(key + '#' + i);
    }
    const parts = cache.getAll(keys);
    text = '';
    for (let i = 0; i < keys.length; i++) {
      if (typeof parts[keys[i]] !== 'string') {
        return undefined; // a chunk was evicted: treat as a miss
      }
      text += parts[keys[i]];
    }
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    return undefined;
  }
}

/**
 * Caches a JSON value, in chunks when it is over CACHE_CHUNK_CHARS_.
 * @param {!Object} cache Cache.
 * @param {string} key
 * @param {*} value
 * @param {number} ttlS Lifetime [s].
 * @return {number} Cache entries written (0 when too large to cache).
 */
function cachePutJson_(cache, key, value, ttlS) {
  const text = asciiJson_(value);
  if (text.length + 5 <= CACHE_CHUNK_CHARS_) {
    cache.put(key, 'json:' + text, ttlS);
    return 1;
  }
  const n = Math.ceil(text.length / CACHE_CHUNK_CHARS_);
  if (n > CACHE_MAX_CHUNKS_) {
    return 0;
  }
  const entries = {};
  for (let i = 0; i < n; i++) {
    entries[key + '#' + i] = text.slice(i * CACHE_CHUNK_CHARS_, (i + 1) * CACHE_CHUNK_CHARS_);
  }
  // Chunks first, then the head that points at them.
  cache.putAll(entries, ttlS);
  cache.put(key, 'chunks:' + n, ttlS);
  return n + 1;
}
