/**
 * @fileoverview Settings: where the gbess service is, how to authenticate to it,
 * and which tab holds the user's sites. Stored in Document/Script Properties,
 * set from the Settings dialog, never in source.
 *
 * Service URL, auth mode and the Sites tab belong to this spreadsheet (Document
 * Properties). The HMAC secret is kept in Script Properties, where only people
 * who can edit the script can read it.
 */

/** Add-on version shown in About and sent as a header (`X-Gbess-Client`). */
const GBESS_VERSION = '0.1.0';

/** Property keys, in one place. */
const SETTINGS_KEYS_ = {
  serviceUrl: 'GBESS_SERVICE_URL',
  authMode: 'GBESS_AUTH_MODE',
  sitesSheet: 'GBESS_SITES_SHEET',
  secret: 'GBESS_HMAC_SECRET',
  lastRefresh: 'GBESS_LAST_REFRESH',
  site: 'GBESS_SITE',
  battery: 'GBESS_BATTERY',
};

/** Auth modes the service accepts: HMAC shared secret, or a Google OIDC identity token. */
const AUTH_MODES_ = ['hmac', 'oidc'];

/** The default Sites tab: the one the dashboard's Sites refresh reads (issue 9). */
const DEFAULT_SITES_SHEET_ = 'Sites input';

/** Shortest HMAC secret accepted (characters); `openssl rand -hex 32` gives 64. */
const MIN_SECRET_CHARS_ = 32;

/**
 * The Apps Script services the add-on uses, gathered in one object so that every
 * function takes them as a parameter (apps-script-oauth2 style) and runs in Node
 * against fakes.
 * @return {!Object} services: spreadsheet, fetch, properties, cache, lock, script,
 *     html, utilities, session, and `now()` (epoch milliseconds).
 */
function services_() {
  return {
    spreadsheet: SpreadsheetApp,
    fetch: UrlFetchApp,
    properties: PropertiesService,
    cache: CacheService,
    lock: LockService,
    script: ScriptApp,
    html: HtmlService,
    utilities: Utilities,
    session: Session,
    now: function () {
      return Date.now();
    },
  };
}

/**
 * Reads the current settings (the secret itself is never returned).
 * @param {!Object} services From services_().
 * @return {{serviceUrl: string, authMode: string, sitesSheet: string, hasSecret: boolean}}
 */
function readSettings_(services) {
  const doc = services.properties.getDocumentProperties();
  const script = services.properties.getScriptProperties();
  return {
    serviceUrl: doc.getProperty(SETTINGS_KEYS_.serviceUrl) || '',
    authMode: doc.getProperty(SETTINGS_KEYS_.authMode) || 'hmac',
    sitesSheet: doc.getProperty(SETTINGS_KEYS_.sitesSheet) || DEFAULT_SITES_SHEET_,
    hasSecret: Boolean(script.getProperty(SETTINGS_KEYS_.secret)),
  };
}

/**
 * The HMAC shared secret from Script Properties.
 * @param {!Object} services From services_().
 * @return {string} The secret, or '' when none is set.
 */
function readSecret_(services) {
  return services.properties.getScriptProperties().getProperty(SETTINGS_KEYS_.secret) || '';
}

/**
 * Checks a settings form and returns the errors by field name.
 * @param {!Object} form Fields service_url, auth_mode, secret (blank keeps the stored
 *     one), sites_sheet.
 * @param {boolean} hasSecret Whether a secret is already stored.
 * @return {!Object<string, string>} Field name → message; empty when valid.
 */
function validateSettings_(form, hasSecret) {
  const errors = {};
  const url = String(form.service_url || '').trim();
  if (!url) {
    errors.service_url = 'Enter the service URL, e.g. https://gbess-XXXXXXXXXX-nw.a.run.app';
  } else if (!/^https:\/\/[A-Za-z0-9.-]+(:\d+)?(\/[^\s?#]*)?$/.test(url)) {
    errors.service_url =
      'The service URL must start with https:// and have no query string (Apps Script only ' +
      'fetches HTTPS URLs listed in appsscript.json).';
  }
  const mode = String(form.auth_mode || '').trim();
  if (AUTH_MODES_.indexOf(mode) < 0) {
    errors.auth_mode = 'Choose hmac or oidc.';
  }
  const secret = String(form.secret || '');
  if (secret && secret.length < MIN_SECRET_CHARS_) {
    errors.secret = 'The secret must be at least ' + MIN_SECRET_CHARS_ + ' characters.';
  } else if (!secret && !hasSecret) {
    // Custom functions always sign with HMAC (they cannot get identity tokens).
    errors.secret = 'Enter the shared secret (the server\'s GBESS_HMAC_SECRET).';
  }
  const sheet = String(form.sites_sheet || '').trim();
  if (sheet.length > 100) {
    errors.sites_sheet = 'Tab names are at most 100 characters.';
  }
  return errors;
}

/**
 * Stores validated settings.
 * @param {!Object} form See validateSettings_.
 * @param {!Object} services From services_().
 * @return {{ok: boolean, errors: (!Object|undefined), settings: (!Object|undefined)}}
 */
function saveSettings_(form, services) {
  const current = readSettings_(services);
  const errors = validateSettings_(form || {}, current.hasSecret);
  if (Object.keys(errors).length) {
    return { ok: false, errors: errors };
  }
  const doc = services.properties.getDocumentProperties();
  doc.setProperties({
    [SETTINGS_KEYS_.serviceUrl]: String(form.service_url).trim().replace(/\/+$/, ''),
    [SETTINGS_KEYS_.authMode]: String(form.auth_mode).trim(),
    [SETTINGS_KEYS_.sitesSheet]: String(form.sites_sheet || '').trim() || DEFAULT_SITES_SHEET_,
  });
  if (form.secret) {
    services.properties.getScriptProperties().setProperty(SETTINGS_KEYS_.secret, String(form.secret));
  }
  return { ok: true, settings: readSettings_(services) };
}

/**
 * Settings dialog server function: saves the form.
 * @param {!Object} form See validateSettings_.
 * @return {!Object} See saveSettings_.
 */
function saveSettings(form) {
  return saveSettings_(form, services_());
}

/**
 * Settings dialog server function: the stored settings, for filling the form.
 * @return {!Object} See readSettings_.
 */
function getSettings() {
  return readSettings_(services_());
}

/**
 * Settings dialog server function: checks the saved settings against the service —
 * `/health` without auth, then one signed lookup.
 * @return {{ok: boolean, message: string}}
 */
function testConnection() {
  return testConnection_(services_());
}

/**
 * See testConnection().
 * @param {!Object} services From services_().
 * @return {{ok: boolean, message: string}}
 */
function testConnection_(services) {
  try {
    // One attempt: a degraded service answers 503 with the reason, which waiting won't fix.
    const health = callService_('get', '/health', null, { auth: 'none', maxAttempts: 1 },
      services);
    lookupQueries_(['SW1A 1AA'], {}, services);
    return {
      ok: true,
      message: 'Connected to gbess ' + (health.version || '?') + '; signed requests accepted.',
    };
  } catch (err) {
    const degraded = degradedMessage_(err);
    return { ok: false, message: degraded || errorMessage_(err) };
  }
}

/**
 * A degraded /health (503 with `problems`) as a sentence naming each problem.
 * @param {Error} err A gbessError_.
 * @return {?string} Null when the error is not a degraded health answer.
 */
function degradedMessage_(err) {
  const body = err && err.problem;
  if (err.status !== 503 || !body || body.status !== 'degraded' || !Array.isArray(body.problems)) {
    return null;
  }
  const problems = body.problems.map(function (p) {
    return (p.name ? p.name + ': ' : '') + String(p.detail || p.check || 'failed');
  });
  return 'The service is up (gbess ' + (body.version || '?') + ') but degraded, so it cannot ' +
    'answer correctly yet: ' + problems.join('; ') + '. Ask its operator to fix this ' +
    '(the details are in the server log); signed requests were not tried.';
}

/**
 * Menu: opens the Settings dialog.
 */
function menuSettings() {
  const services = services_();
  const html = htmlPage_(services, 'Settings')
    .setWidth(460)
    .setHeight(420);
  services.spreadsheet.getUi().showModalDialog(html, 'gbess settings');
}
