'use strict';
// Loads every .gs file of the clasp project into ONE node:vm context (as Apps Script
// does: one global scope), with the fakes installed as the global services.

const fs = require('node:fs');
const path = require('node:path');
const vm = require('node:vm');
const fakes = require('./fakes');

const SRC = path.resolve(__dirname, '..', 'src');

/** The .gs files in push order (alphabetical, as clasp pushes them). */
function sourceFiles() {
  return fs.readdirSync(SRC).filter((f) => f.endsWith('.gs')).sort();
}

/**
 * A fresh project: fakes + context.
 * @param {{settings?: object, clock?: object}} opts settings: service_url, auth_mode,
 *     secret, sites_sheet stored as the Settings dialog would.
 */
function loadProject(opts = {}) {
  const mode = new fakes.Mode();
  const clock = opts.clock || new fakes.FakeClock();
  const f = {
    mode,
    clock,
    SpreadsheetApp: new fakes.FakeSpreadsheetApp(mode),
    UrlFetchApp: new fakes.FakeUrlFetchApp(),
    PropertiesService: new fakes.FakePropertiesService(mode),
    CacheService: new fakes.FakeCacheService(clock),
    LockService: new fakes.FakeLockService(),
    ScriptApp: new fakes.FakeScriptApp(mode),
    HtmlService: new fakes.FakeHtmlService(SRC),
    Utilities: new fakes.FakeUtilities(clock),
    Session: new fakes.FakeSession(),
  };
  const logs = [];
  const context = vm.createContext({
    SpreadsheetApp: f.SpreadsheetApp,
    UrlFetchApp: f.UrlFetchApp,
    PropertiesService: f.PropertiesService,
    CacheService: f.CacheService,
    LockService: f.LockService,
    ScriptApp: f.ScriptApp,
    HtmlService: f.HtmlService,
    Utilities: f.Utilities,
    Session: f.Session,
    console: { log: (...a) => logs.push(a.join(' ')), warn: (...a) => logs.push(a.join(' ')), error: (...a) => logs.push(a.join(' ')) },
  });
  f.HtmlService.context = context; // templates evaluate their scriptlets in the project's scope
  vm.runInContext(`Date.now = function () { return __clockNow(); };`, Object.assign(context, {
    __clockNow: () => clock.now(),
  }));
  for (const file of sourceFiles()) {
    vm.runInContext(fs.readFileSync(path.join(SRC, file), 'utf8'), context, { filename: file });
  }
  const project = {
    context,
    fakes: f,
    logs,
    ss: f.SpreadsheetApp.ss,
    ui: f.SpreadsheetApp.ui,
    /** Calls a global function of the project. */
    call(name, ...args) {
      if (typeof context[name] !== 'function') throw new Error(`no global function ${name}`);
      return context[name](...args);
    },
    /** Evaluates an expression in the project's global scope (for const values). */
    eval(code) {
      return vm.runInContext(code, context);
    },
    /** Runs fn as a custom function: writes, UI, triggers and identity tokens fail. */
    asCustomFunction(fn) {
      mode.customFunction = true;
      try {
        return fn();
      } finally {
        mode.customFunction = false;
      }
    },
    /** services_() of the project, for calling private helpers. */
    services() {
      return context.services_();
    },
  };
  if (opts.settings) {
    const doc = f.PropertiesService.document.store;
    const s = opts.settings;
    if (s.service_url) doc.GBESS_SERVICE_URL = s.service_url;
    if (s.auth_mode) doc.GBESS_AUTH_MODE = s.auth_mode;
    if (s.sites_sheet) doc.GBESS_SITES_SHEET = s.sites_sheet;
    if (s.secret) f.PropertiesService.script.store.GBESS_HMAC_SECRET = s.secret;
  }
  return project;
}

/** Copies a value out of the vm realm (arrays/objects made there have other prototypes). */
function plain(value) {
  return value === undefined ? undefined : JSON.parse(JSON.stringify(value));
}

/** Default test settings. */
const SECRET = 'test-secret-0123456789abcdef0123456789abcdef';
const SETTINGS = { service_url: 'https://gbess.example.run.app', auth_mode: 'hmac', secret: SECRET };

/** A problem+json response. */
function problem(status, title, detail, field) {
  return {
    code: status,
    headers: { 'Content-Type': 'application/problem+json' },
    body: JSON.stringify(Object.assign(
      { type: `urn:gbess:problem:${title.toLowerCase().replace(/\W+/g, '-')}`, title, status, detail },
      field ? { field } : {}
    )),
  };
}

/** A JSON 200 response. */
function json(body, code = 200) {
  return { code, headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) };
}

module.exports = { loadProject, plain, problem, json, SECRET, SETTINGS, SRC, sourceFiles };
