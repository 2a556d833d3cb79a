/**
 * @fileoverview The webhook client: every call to the gbess service goes through
 * callService_, which signs the request (HMAC or an OIDC identity token), sends it
 * with muteHttpExceptions, retries 429/5xx with bounded backoff, and turns RFC 9457
 * problem+json errors into clear messages.
 *
 * HMAC scheme v2 (the server's, jobs/webhook_auth.py; docs/security.md): headers
 * `X-Gbess-Timestamp` (unix seconds), `X-Gbess-Nonce` (fresh per request),
 * `X-Gbess-Content-SHA256` (hex SHA-256 of the body) and `X-Gbess-Signature` =
 * "v2=" + lowercase hex HMAC-SHA256(secret, canonical), where canonical is
 * "gbess-v2\n" + METHOD + "\n" + path + "\n" + query + "\n" + timestamp + "\n" + nonce +
 * "\n" + body digest. The signature binds the method, path and query as well as the
 * body, and the server accepts each signature once, so every attempt is signed afresh.
 * Bodies are sent as pure ASCII JSON (non-ASCII escaped as \uXXXX) so that the
 * signed bytes and the bytes on the wire are the same whatever charset UrlFetchApp
 * picks.
 */

/** Statuses worth retrying: rate limiting and transient server/proxy failures. */
const RETRY_STATUSES_ = [429, 500, 502, 503, 504];

/** Default options for menu, sidebar and trigger calls (6-minute execution limit). */
const CALL_DEFAULTS_ = {
  auth: 'settings',
  maxAttempts: 4,
  firstDelayMs: 1000,
  // Total time spent sleeping between attempts.
  sleepBudgetMs: 20000,
  retryNetworkErrors: true,
};

/** Options for custom functions: 30-second limit, no identity token, HMAC only. */
const CUSTOM_FUNCTION_CALL_ = {
  auth: 'hmac',
  maxAttempts: 3,
  firstDelayMs: 500,
  sleepBudgetMs: 4000,
  // A UrlFetch timeout has already used most of the 30 s: do not try again.
  retryNetworkErrors: false,
};

/** Human names for statuses whose body may not be problem+json. */
const STATUS_TEXT_ = {
  400: 'Bad request',
  401: 'Not authorised',
  403: 'Forbidden',
  404: 'Not found',
  405: 'Method not allowed',
  413: 'Request too large',
  415: 'Unsupported media type',
  422: 'Invalid input',
  429: 'Too many requests',
  500: 'Server error',
  502: 'Bad gateway',
  503: 'Service unavailable',
  504: 'Gateway timeout',
};

/**
 * Makes an Error carrying the HTTP status and the problem document.
 * @param {string} message Readable, one line.
 * @param {number=} status HTTP status, if any.
 * @param {Object=} problem The problem+json body, if any.
 * @return {!Error}
 */
function gbessError_(message, status, problem) {
  const err = new Error(message);
  err.name = 'GbessError';
  err.status = status || 0;
  err.problem = problem || null;
  err.field = (problem && problem.field) || null;
  return err;
}

/**
 * The message to show a user for any thrown value.
 * @param {*} err
 * @return {string}
 */
function errorMessage_(err) {
  if (err && err.message) {
    return String(err.message).replace(/^Exception: /, '');
  }
  return String(err);
}

/**
 * JSON with every non-ASCII character escaped, so the body is one byte per char.
 * @param {*} value Any JSON value.
 * @return {string}
 */
function asciiJson_(value) {
  return JSON.stringify(value).replace(/[\u007f-\uffff]/g, function (c) {
    return '\\u' + ('0000' + c.charCodeAt(0).toString(16)).slice(-4);
  });
}

/**
 * Lowercase hex of a byte array. Apps Script returns Java bytes, signed -128..127,
 * so each byte is masked to 0..255 before formatting.
 * @param {!Array<number>} bytes
 * @return {string}
 */
function hexFromBytes_(bytes) {
  let hex = '';
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i] & 0xff;
    hex += (b < 16 ? '0' : '') + b.toString(16);
  }
  return hex;
}

/**
 * A fresh nonce: 32 hex characters (a UUID's, or random ones where there is no UUID).
 * @param {!Object} utilities Utilities.
 * @return {string}
 */
function newNonce_(utilities) {
  if (typeof utilities.getUuid === 'function') {
    return String(utilities.getUuid()).replace(/-/g, '');
  }
  let nonce = '';
  while (nonce.length < 32) {
    nonce += ('00000000' + Math.floor(Math.random() * 0x100000000).toString(16)).slice(-8);
  }
  return nonce;
}

/**
 * The HMAC headers (scheme v2) for one request.
 * @param {string} method HTTP method ('get', 'post'...).
 * @param {string} pathAndQuery The request path with any query, e.g. '/v1/lookup'.
 * @param {string} body The exact request body (ASCII; '' for GET).
 * @param {string} secret The shared secret.
 * @param {number} nowMs Current time [ms since epoch].
 * @param {!Object} utilities Utilities.
 * @param {string=} nonce The nonce (a fresh one when not given).
 * @return {!Object<string, string>} The four X-Gbess-* headers.
 */
function hmacHeaders_(method, pathAndQuery, body, secret, nowMs, utilities, nonce) {
  const timestamp = String(Math.floor(nowMs / 1000));
  const cut = pathAndQuery.indexOf('?');
  const path = cut < 0 ? pathAndQuery : pathAndQuery.slice(0, cut);
  const query = cut < 0 ? '' : pathAndQuery.slice(cut + 1);
  const once = nonce || newNonce_(utilities);
  const digest = hexFromBytes_(
    utilities.computeDigest(utilities.DigestAlgorithm.SHA_256, body, utilities.Charset.UTF_8)
  );
  const canonical = ['gbess-v2', method.toUpperCase(), path, query, timestamp, once, digest]
    .join('\n');
  const bytes = utilities.computeHmacSha256Signature(canonical, secret, utilities.Charset.UTF_8);
  return {
    'X-Gbess-Timestamp': timestamp,
    'X-Gbess-Nonce': once,
    'X-Gbess-Content-SHA256': digest,
    'X-Gbess-Signature': 'v2=' + hexFromBytes_(bytes),
  };
}

/**
 * The auth headers for one request (recomputed per attempt: a signature is good once).
 * @param {string} mode 'none', 'hmac' or 'oidc'.
 * @param {string} method HTTP method.
 * @param {string} path The request path with any query.
 * @param {string} body The request body ('' for GET).
 * @param {!Object} services From services_().
 * @return {!Object<string, string>}
 */
function authHeaders_(mode, method, path, body, services) {
  if (mode === 'none') {
    return {};
  }
  if (mode === 'oidc') {
    const token = services.script.getIdentityToken();
    if (!token) {
      throw gbessError_(
        'No Google identity token: the openid scope was not granted. Reopen the ' +
          'spreadsheet and authorise gbess, or switch Settings to HMAC.'
      );
    }
    return { Authorization: 'Bearer ' + token };
  }
  const secret = readSecret_(services);
  if (!secret) {
    throw gbessError_('No shared secret is set: open gbess → Settings and enter it.');
  }
  return hmacHeaders_(method, path, body, secret, services.now(), services.utilities);
}

/**
 * Reads the JSON body of a response, or null when it is not JSON.
 * @param {!Object} response HTTPResponse.
 * @return {*}
 */
function parseJsonBody_(response) {
  const text = response.getContentText();
  try {
    return JSON.parse(text);
  } catch (e) {
    return undefined;
  }
}

/**
 * A one-line excerpt of a non-JSON body (an HTML error page, say).
 * @param {string} text
 * @return {string}
 */
function excerpt_(text) {
  const flat = String(text || '')
    .replace(/<[^>]*>/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
  return flat.length > 120 ? flat.slice(0, 117) + '...' : flat;
}

/**
 * Turns a non-2xx response into a readable error.
 * @param {!Object} response HTTPResponse.
 * @param {string} path The request path.
 * @return {!Error}
 */
function errorFromResponse_(response, path) {
  const status = response.getResponseCode();
  const body = parseJsonBody_(response);
  const problem = body && typeof body === 'object' && !Array.isArray(body) ? body : null;
  const title = (problem && problem.title) || STATUS_TEXT_[status] || 'HTTP error';
  let detail = problem && problem.detail ? String(problem.detail) : '';
  if (!detail && !problem) {
    detail = excerpt_(response.getContentText());
  }
  if (problem && problem.field && detail.indexOf(problem.field) < 0) {
    detail += ' (field: ' + problem.field + ')';
  }
  let message;
  if (status === 401) {
    message =
      'The service refused the credentials (401' + (detail ? ': ' + detail : '') + '). ' +
      'Check the auth mode and secret in gbess → Settings.';
  } else if (status === 403) {
    message = 'This account is not allowed to use the service (403' +
      (detail ? ': ' + detail : '') + ').';
  } else if (status === 404 && !(problem && problem.type && !/[:/]not-found$/.test(problem.type))) {
    // A route the service does not have. A domain 404 (type unknown-postcode,
    // tariff-not-found, data-missing) is reported like any other problem.
    message = 'The service has no ' + path + ' (404). Is the service URL in Settings right, ' +
      'and is the service up to date?';
  } else if (status === 413) {
    message = 'Too much data for one request (413' + (detail ? ': ' + detail : '') + ').';
  } else {
    message = title + ' (' + status + ')' + (detail ? ': ' + detail : '');
  }
  return gbessError_(message, status, problem);
}

/**
 * How long to wait before the next attempt.
 * @param {Object} response The last HTTPResponse, if any.
 * @param {number} attempt 1 for the first retry.
 * @param {number} firstDelayMs
 * @return {number} Delay [ms].
 */
function retryDelayMs_(response, attempt, firstDelayMs) {
  if (response) {
    const headers = response.getHeaders() || {};
    const retryAfter = headers['Retry-After'] || headers['retry-after'];
    const seconds = Number(retryAfter);
    if (retryAfter !== undefined && isFinite(seconds) && seconds >= 0) {
      return seconds * 1000;
    }
  }
  return firstDelayMs * Math.pow(2, attempt - 1);
}

/**
 * Calls the gbess service and returns its parsed JSON answer.
 * @param {string} method 'get' or 'post'.
 * @param {string} path Starting with '/', e.g. '/v1/lookup'.
 * @param {*} body JSON body for POST (null for GET).
 * @param {Object} options Overrides of CALL_DEFAULTS_ (auth: 'settings', 'hmac',
 *     'oidc' or 'none').
 * @param {!Object} services From services_().
 * @return {*} The parsed JSON body of the 2xx answer.
 * @throws {Error} gbessError_ with a readable message.
 */
function callService_(method, path, body, options, services) {
  const opts = Object.assign({}, CALL_DEFAULTS_, options || {});
  const settings = readSettings_(services);
  if (!settings.serviceUrl) {
    throw gbessError_('No service URL is set: open gbess → Settings.');
  }
  const mode = opts.auth === 'settings' ? settings.authMode : opts.auth;
  const url = settings.serviceUrl.replace(/\/+$/, '') + path;
  const payload = method === 'get' ? '' : asciiJson_(body);
  let slept = 0;
  let attempt = 0;
  for (;;) {
    attempt += 1;
    const params = {
      method: method,
      muteHttpExceptions: true,
      followRedirects: false,
      headers: Object.assign(
        { Accept: 'application/json', 'X-Gbess-Client': 'appscript/' + GBESS_VERSION },
        authHeaders_(mode, method, path, payload, services)
      ),
    };
    if (method !== 'get') {
      params.contentType = 'application/json';
      params.payload = payload;
    }
    let response = null;
    let failure;
    try {
      response = services.fetch.fetch(url, params);
    } catch (err) {
      // UrlFetchApp throws (even with muteHttpExceptions) on DNS failures, refused
      // connections and timeouts.
      failure = gbessError_('Could not reach the service at ' + url + ': ' + errorMessage_(err));
      if (!opts.retryNetworkErrors) {
        throw failure;
      }
    }
    if (response) {
      const status = response.getResponseCode();
      if (status >= 200 && status < 300) {
        const parsed = parseJsonBody_(response);
        if (parsed === undefined) {
          throw gbessError_(
            'The service answered ' + path + ' with something that is not JSON: "' +
              excerpt_(response.getContentText()) + '"',
            status
          );
        }
        return parsed;
      }
      failure = errorFromResponse_(response, path);
      if (RETRY_STATUSES_.indexOf(status) < 0) {
        throw failure;
      }
    }
    const delay = retryDelayMs_(response, attempt, opts.firstDelayMs);
    if (attempt >= opts.maxAttempts || slept + delay > opts.sleepBudgetMs) {
      throw gbessError_(
        failure.message + (attempt > 1 ? ' (after ' + attempt + ' attempts)' : ''),
        failure.status,
        failure.problem
      );
    }
    services.utilities.sleep(delay);
    slept += delay;
  }
}

/**
 * Looks up sites in ONE request (duplicates sent once), in the order given.
 * @param {!Array<string>} queries Postcodes and/or MPANs (non-empty strings).
 * @param {Object} options Call options (see callService_).
 * @param {!Object} services From services_().
 * @return {!Array<!Object>} One result object per query: the service's row (with
 *     distributor_id, distributor_name, gsp_group_id, match, warnings...) or
 *     {query, error: {type, detail}}.
 */
function lookupQueries_(queries, options, services) {
  const unique = [];
  const index = {};
  queries.forEach(function (q) {
    if (!Object.prototype.hasOwnProperty.call(index, q)) {
      index[q] = unique.length;
      unique.push(q);
    }
  });
  if (!unique.length) {
    return [];
  }
  const answer = callService_('post', '/v1/lookup', { queries: unique }, options, services);
  const results = answer && answer.results;
  if (!Array.isArray(results) || results.length !== unique.length) {
    throw gbessError_(
      'The service answered /v1/lookup with ' +
        (Array.isArray(results) ? results.length + ' results for ' + unique.length + ' queries'
          : 'no "results" list') + '.'
    );
  }
  return queries.map(function (q) {
    const row = results[index[q]];
    if (!row || typeof row !== 'object') {
      return { query: q, error: { type: 'malformed', detail: 'the service sent no row' } };
    }
    return row;
  });
}

/** A site's DUoS fields, as the battery operations (revenue, risk, invest) name them. */
const SITE_DUOS_FIELDS_ = ['distributor', 'import_tariff', 'export_tariff'];

/** Each site field as a missing-field message names it. */
const SITE_DUOS_NAMES_ = {
  distributor: 'distributor (licence area 10-23 or GSP group _A-_P)',
  import_tariff: 'import (demand) tariff',
  export_tariff: 'export (generation) tariff',
};

/**
 * A licence area 10-23, or a GSP group _A.._P (there is no _I or _O), as the service's
 * `distributor` pattern (server/bess.py) takes it.
 */
const SITE_DISTRIBUTOR_PATTERN_ = /^(1\d|2[0-3]|_[A-HJ-NP])$/;

/**
 * A site's DUoS from a panel's form: the three request fields when all are given, nothing
 * when none is, else an error next to each missing field (the service takes all three or
 * none: docs/addon.md). Shared by the battery form (Sidebar.gs), Risk.gs and Invest.gs.
 * @param {!Object} form The panel's form values (distributor, import_tariff, export_tariff).
 * @return {{fields: !Object<string, string>, errors: !Object<string, string>}} fields: the
 *     request's {distributor, import_tariff, export_tariff}, or {} without a site.
 */
function siteDuosFields_(form) {
  const given = {};
  SITE_DUOS_FIELDS_.forEach(function (name) {
    const text = String((form && form[name]) || '').trim();
    if (text) {
      given[name] = text;
    }
  });
  const errors = {};
  if (!Object.keys(given).length) {
    return { fields: {}, errors: errors };
  }
  SITE_DUOS_FIELDS_.forEach(function (name) {
    if (!given[name]) {
      errors[name] = 'Give the site\'s ' + SITE_DUOS_NAMES_[name] +
        ' too: a site needs all three fields, or none.';
    }
  });
  if (given.distributor) {
    const id = given.distributor.toUpperCase();
    if (!SITE_DISTRIBUTOR_PATTERN_.test(id)) {
      errors.distributor = 'Use a licence area 10-23 or a GSP group _A to _P (e.g. 10 or _A).';
    } else {
      given.distributor = id;
    }
  }
  return { fields: Object.keys(errors).length ? {} : given, errors: errors };
}

/**
 * The assumptions of a battery answer that state its network charges: the site's tariffs
 * ("Network charges: DUoS import unit rates of …", "Site DUoS …") or that none were
 * modelled, so a panel can show them beside its figures.
 * @param {*} assumptions The answer's `assumptions`.
 * @return {!Array<string>}
 */
function networkNotes_(assumptions) {
  return (Array.isArray(assumptions) ? assumptions : []).map(String).filter(function (a) {
    return /network charges|DUoS/i.test(a);
  });
}

/**
 * How each registration (who owns the response energy of held DC/DM/DR; jobs/revenue.py,
 * docs/response.md) is named in the panels.
 */
const REGISTRATION_NAMES_ = {
  bm: 'BM unit (ABSVD)',
  non_bm: 'Non-BM unit',
  none: 'Response energy not modelled',
};

/**
 * The form's registration, 'bm' when not chosen; an unknown value is an error under the
 * field (shared by the battery, risk and investment panels).
 * @param {?Object} form The panel's form values.
 * @param {!Object} errors Field → message, added to.
 * @return {string}
 */
function registrationField_(form, errors) {
  const registration = String((form && form.registration) || 'bm').trim();
  if (!Object.prototype.hasOwnProperty.call(REGISTRATION_NAMES_, registration)) {
    errors.registration = 'Choose BM unit, non-BM or not modelled.';
  }
  return registration;
}
