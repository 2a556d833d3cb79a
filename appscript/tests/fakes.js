'use strict';
// Hand-written fakes of the Apps Script services gbess uses. They keep state
// (cells, notes, formats, properties, cache entries, triggers), enforce the limits the
// real services have (cache key/value sizes and item cap, trigger intervals, custom
// function restrictions), and record what the code did so tests can assert it.

const crypto = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');
const vm = require('node:vm');

/** Java bytes are signed: what Apps Script's Utilities digest functions return. */
function signedBytes(buffer) {
  return Array.from(buffer, (b) => (b > 127 ? b - 256 : b));
}

function columnLetters(col) {
  let s = '';
  while (col > 0) {
    const m = (col - 1) % 26;
    s = String.fromCharCode(65 + m) + s;
    col = Math.floor((col - 1) / 26);
  }
  return s;
}

function parseA1(a1) {
  const m = /^([A-Z]+)(\d+)(?::([A-Z]+)(\d+))?$/.exec(a1);
  if (!m) throw new Error(`fake: unsupported A1 notation ${a1}`);
  const col = (letters) => [...letters].reduce((n, c) => n * 26 + c.charCodeAt(0) - 64, 0);
  const r1 = Number(m[2]);
  const c1 = col(m[1]);
  const r2 = m[4] ? Number(m[4]) : r1;
  const c2 = m[3] ? col(m[3]) : c1;
  return [r1, c1, r2 - r1 + 1, c2 - c1 + 1];
}

/** Shared switch: inside a custom function, writes and authorised services fail. */
class Mode {
  constructor() {
    this.customFunction = false;
  }
  forbid(what) {
    if (this.customFunction) {
      throw new Error(`Exception: You do not have permission to call ${what}`);
    }
  }
}

class FakeRange {
  constructor(sheet, row, col, numRows, numCols) {
    if (row < 1 || col < 1 || numRows < 1 || numCols < 1) {
      throw new Error(`Exception: The coordinates of the range are outside the dimensions of the sheet.`);
    }
    Object.assign(this, { sheet, row, col, numRows, numCols });
  }
  _cells(fn) {
    const out = [];
    for (let r = 0; r < this.numRows; r++) {
      const line = [];
      for (let c = 0; c < this.numCols; c++) line.push(fn(this.row + r, this.col + c));
      out.push(line);
    }
    return out;
  }
  _check(values, what) {
    if (!Array.isArray(values) || values.length !== this.numRows ||
        values.some((r) => !Array.isArray(r) || r.length !== this.numCols)) {
      const got = Array.isArray(values) ? `${values.length} rows` : typeof values;
      throw new Error(`Exception: The number of rows or columns in the ${what} does not match the range (${this.numRows}x${this.numCols}, got ${got}).`);
    }
  }
  getValues() { return this._cells((r, c) => this.sheet._get(r, c).value); }
  getDisplayValues() { return this._cells((r, c) => String(this.sheet._get(r, c).value)); }
  getValue() { return this.sheet._get(this.row, this.col).value; }
  setValues(values) {
    this.sheet.ss.mode.forbid('Range.setValues');
    this._check(values, 'data');
    this.sheet.ss.writes.push({ sheet: this.sheet.name, a1: this.getA1Notation(), rows: this.numRows });
    values.forEach((line, r) => line.forEach((v, c) => {
      this.sheet._set(this.row + r, this.col + c, { value: v instanceof Date || typeof v !== 'object' || v === null ? (v === null || v === undefined ? '' : v) : String(v) });
    }));
    return this;
  }
  setValue(v) { return this.setValues([[v]]); }
  getNote() { return this.sheet._get(this.row, this.col).note || ''; }
  getNotes() { return this._cells((r, c) => this.sheet._get(r, c).note || ''); }
  setNote(note) {
    this.sheet.ss.mode.forbid('Range.setNote');
    this._cells((r, c) => this.sheet._set(r, c, { note: String(note) }));
    return this;
  }
  getNumberFormats() { return this._cells((r, c) => this.sheet._get(r, c).format || 'General'); }
  setNumberFormat(f) { this._cells((r, c) => this.sheet._set(r, c, { format: f })); return this; }
  setFontWeight(w) { this._cells((r, c) => this.sheet._set(r, c, { weight: w })); return this; }
  getFontWeights() { return this._cells((r, c) => this.sheet._get(r, c).weight || 'normal'); }
  clearContent() { this._cells((r, c) => this.sheet._set(r, c, { value: '' })); return this; }
  getCell(r, c) { return new FakeRange(this.sheet, this.row + r - 1, this.col + c - 1, 1, 1); }
  getRow() { return this.row; }
  getColumn() { return this.col; }
  getLastRow() { return this.row + this.numRows - 1; }
  getLastColumn() { return this.col + this.numCols - 1; }
  getNumRows() { return this.numRows; }
  getNumColumns() { return this.numCols; }
  getSheet() { return this.sheet; }
  getA1Notation() {
    const tl = `${columnLetters(this.col)}${this.row}`;
    if (this.numRows === 1 && this.numCols === 1) return tl;
    return `${tl}:${columnLetters(this.col + this.numCols - 1)}${this.row + this.numRows - 1}`;
  }
}

class FakeSheet {
  constructor(ss, name) {
    this.ss = ss;
    this.name = name;
    this.cells = new Map();
  }
  _key(r, c) { return `${r},${c}`; }
  _get(r, c) { return this.cells.get(this._key(r, c)) || { value: '' }; }
  _set(r, c, patch) { this.cells.set(this._key(r, c), Object.assign({ value: '' }, this._get(r, c), patch)); }
  getName() { return this.name; }
  getParent() { return this.ss; }
  getRange(a, b, c, d) {
    if (typeof a === 'string') return new FakeRange(this, ...parseA1(a));
    return new FakeRange(this, a, b, c === undefined ? 1 : c, d === undefined ? 1 : d);
  }
  _extent() {
    let rows = 0;
    let cols = 0;
    for (const [k, cell] of this.cells) {
      if (cell.value === '' || cell.value === null || cell.value === undefined) continue;
      const [r, c] = k.split(',').map(Number);
      rows = Math.max(rows, r);
      cols = Math.max(cols, c);
    }
    return [rows, cols];
  }
  getLastRow() { return this._extent()[0]; }
  getLastColumn() { return this._extent()[1]; }
  getDataRange() {
    const [r, c] = this._extent();
    return this.getRange(1, 1, Math.max(r, 1), Math.max(c, 1));
  }
  clearContents() {
    this.ss.mode.forbid('Sheet.clearContents');
    for (const [k, cell] of this.cells) this.cells.set(k, Object.assign({}, cell, { value: '' }));
    return this;
  }
  /** Test helper: write a block of values starting at A1-style row/col without logging. */
  load(row, col, values) {
    values.forEach((line, r) => line.forEach((v, c) => this._set(row + r, col + c, { value: v })));
    return this;
  }
}

class FakeSpreadsheet {
  constructor(mode) {
    this.mode = mode;
    this.sheets = [];
    this.toasts = [];
    this.writes = [];
    this.timeZone = 'Europe/London';
    this.active = this.insertSheet('Sheet1');
    this.activeRange = null;
  }
  getId() { return 'fake-spreadsheet-id'; }
  getName() { return 'gbess test'; }
  getSpreadsheetTimeZone() { return this.timeZone; }
  getSheetByName(name) { return this.sheets.find((s) => s.name === name) || null; }
  getSheets() { return this.sheets.slice(); }
  insertSheet(name) {
    this.mode.forbid('Spreadsheet.insertSheet');
    if (this.getSheetByName(name)) throw new Error(`Exception: A sheet with the name "${name}" already exists.`);
    const s = new FakeSheet(this, name);
    this.sheets.push(s);
    return s;
  }
  getActiveSheet() { return this.active; }
  setActiveSheet(s) { this.active = s; return s; }
  getActiveRange() { return this.activeRange; }
  /** Test helper: select a range (as the user would). */
  select(range) { this.active = range.getSheet(); this.activeRange = range; return range; }
  toast(message, title, seconds) { this.mode.forbid('Spreadsheet.toast'); this.toasts.push({ message, title, seconds }); }
}

class FakeMenu {
  constructor(ui, name) { Object.assign(this, { ui, name, items: [] }); }
  addItem(label, fn) { this.items.push({ label, fn }); return this; }
  addSeparator() { this.items.push({ separator: true }); return this; }
  addSubMenu(menu) { this.items.push({ submenu: menu }); return this; }
  addToUi() { this.ui.menus.push(this); }
}

class FakePromptResponse {
  constructor(button, text) { Object.assign(this, { button, text }); }
  getSelectedButton() { return this.button; }
  getResponseText() { return this.text; }
}

class FakeUi {
  constructor(mode) {
    this.mode = mode;
    this.menus = [];
    this.alerts = [];
    this.prompts = [];
    this.sidebars = [];
    this.dialogs = [];
    // Scripted answers, consumed in order: alert → Button, prompt → [Button, text].
    this.alertAnswers = [];
    this.promptAnswers = [];
    this.Button = { OK: 'OK', CANCEL: 'CANCEL', YES: 'YES', NO: 'NO', CLOSE: 'CLOSE' };
    this.ButtonSet = { OK: 'OK', OK_CANCEL: 'OK_CANCEL', YES_NO: 'YES_NO', YES_NO_CANCEL: 'YES_NO_CANCEL' };
  }
  createMenu(name) { return new FakeMenu(this, name); }
  alert(title, prompt, buttons) {
    this.mode.forbid('Ui.alert');
    if (prompt === undefined) [title, prompt] = ['', title];
    this.alerts.push({ title, prompt, buttons });
    return this.alertAnswers.length ? this.alertAnswers.shift() : this.Button.OK;
  }
  prompt(title, prompt, buttons) {
    this.mode.forbid('Ui.prompt');
    this.prompts.push({ title, prompt, buttons });
    const [button, text] = this.promptAnswers.length ? this.promptAnswers.shift() : [this.Button.CANCEL, ''];
    return new FakePromptResponse(button, text);
  }
  showSidebar(html) { this.mode.forbid('Ui.showSidebar'); this.sidebars.push(html); }
  showModalDialog(html, title) { this.mode.forbid('Ui.showModalDialog'); this.dialogs.push({ html, title }); }
}

class FakeSpreadsheetApp {
  constructor(mode) {
    this.mode = mode;
    this.ss = new FakeSpreadsheet(mode);
    this.ui = new FakeUi(mode);
  }
  getActive() { return this.ss; }
  getActiveSpreadsheet() { return this.ss; }
  getUi() { this.mode.forbid('SpreadsheetApp.getUi'); return this.ui; }
  flush() {}
}

class FakeHTTPResponse {
  constructor({ code = 200, headers = {}, body = '' }) {
    Object.assign(this, { code, headers, body: typeof body === 'string' ? body : JSON.stringify(body) });
  }
  getResponseCode() { return this.code; }
  getContentText() { return this.body; }
  getContent() { return signedBytes(Buffer.from(this.body, 'utf8')); }
  getHeaders() { return Object.assign({}, this.headers); }
  getAllHeaders() { return Object.assign({}, this.headers); }
}

/**
 * UrlFetchApp: `handler(request)` answers each request ({url, method, headers,
 * payload, params}) with {code, headers, body} or throws (a network failure).
 * Without muteHttpExceptions, a status >= 400 throws, as the real one does.
 */
class FakeUrlFetchApp {
  constructor() {
    this.requests = [];
    this.handler = () => { throw new Error('Exception: fake UrlFetchApp has no handler'); };
  }
  fetch(url, params = {}) {
    const headers = Object.assign({}, params.headers || {});
    if (params.contentType) headers['Content-Type'] = params.contentType;
    const request = {
      url, method: String(params.method || 'get').toUpperCase(), headers,
      payload: params.payload === undefined ? '' : params.payload, params,
    };
    this.requests.push(request);
    const answer = this.handler(request);
    const response = answer instanceof FakeHTTPResponse ? answer : new FakeHTTPResponse(answer);
    if (response.code >= 400 && !params.muteHttpExceptions) {
      throw new Error(`Exception: Request failed for ${url} returned code ${response.code}. Truncated server response: ${response.body.slice(0, 100)} (use muteHttpExceptions option to examine full response)`);
    }
    return response;
  }
  fetchAll(requests) { return requests.map((r) => this.fetch(r.url, r)); }
}

class FakeProperties {
  constructor(mode, label) { Object.assign(this, { mode, label, store: {} }); }
  getProperty(k) { return Object.prototype.hasOwnProperty.call(this.store, k) ? this.store[k] : null; }
  getProperties() { return Object.assign({}, this.store); }
  getKeys() { return Object.keys(this.store); }
  setProperty(k, v) { this.mode.forbid(`${this.label}.setProperty`); this.store[k] = String(v); return this; }
  setProperties(obj) { this.mode.forbid(`${this.label}.setProperties`); for (const k of Object.keys(obj)) this.store[k] = String(obj[k]); return this; }
  deleteProperty(k) { this.mode.forbid(`${this.label}.deleteProperty`); delete this.store[k]; return this; }
}

class FakePropertiesService {
  constructor(mode) {
    this.document = new FakeProperties(mode, 'DocumentProperties');
    this.script = new FakeProperties(mode, 'ScriptProperties');
    this.user = new FakeProperties(mode, 'UserProperties');
  }
  getDocumentProperties() { return this.document; }
  getScriptProperties() { return this.script; }
  getUserProperties() { return this.user; }
}

/** Cache with the real limits: keys <= 250 chars, values <= 100 KB, ttl <= 6 h, ~1,000 items. */
class FakeCache {
  constructor(clock) {
    this.clock = clock;
    this.entries = new Map();
    this.calls = [];
  }
  static KEY_MAX = 250;
  static VALUE_MAX_BYTES = 100 * 1024;
  static CAP = 1000;
  _check(key, value, ttl) {
    if (typeof key !== 'string' || key.length > FakeCache.KEY_MAX) {
      throw new Error(`Exception: Argument too large: key (${String(key).length} characters)`);
    }
    if (typeof value !== 'string') throw new Error('Exception: Cache values must be strings');
    if (Buffer.byteLength(value, 'utf8') > FakeCache.VALUE_MAX_BYTES) {
      throw new Error(`Exception: Argument too large: value (${Buffer.byteLength(value)} bytes)`);
    }
    if (ttl !== undefined && (ttl < 1 || ttl > 21600)) throw new Error(`Exception: Invalid expiration ${ttl}`);
  }
  _live(key) {
    const e = this.entries.get(key);
    if (!e) return null;
    if (e.expires <= this.clock.now()) { this.entries.delete(key); return null; }
    return e.value;
  }
  _evict() {
    if (this.entries.size <= FakeCache.CAP) return;
    // Documented behaviour: keep the 900 items farthest from expiration.
    const keep = [...this.entries.entries()].sort((a, b) => b[1].expires - a[1].expires).slice(0, 900);
    this.entries = new Map(keep);
  }
  get(key) { this.calls.push(['get', key]); return this._live(key); }
  getAll(keys) {
    this.calls.push(['getAll', keys.length]);
    const out = {};
    for (const k of keys) { const v = this._live(k); if (v !== null) out[k] = v; }
    return out;
  }
  put(key, value, ttl = 600) {
    this._check(key, value, ttl);
    this.calls.push(['put', key]);
    this.entries.set(key, { value, expires: this.clock.now() + ttl * 1000 });
    this._evict();
  }
  putAll(values, ttl = 600) {
    const keys = Object.keys(values);
    for (const k of keys) this._check(k, values[k], ttl);
    this.calls.push(['putAll', keys.length]);
    for (const k of keys) this.entries.set(k, { value: values[k], expires: this.clock.now() + ttl * 1000 });
    this._evict();
  }
  remove(key) { this.calls.push(['remove', key]); this.entries.delete(key); }
  removeAll(keys) { for (const k of keys) this.entries.delete(k); }
}

class FakeCacheService {
  constructor(clock) {
    this.document = new FakeCache(clock);
    this.script = new FakeCache(clock);
    this.user = new FakeCache(clock);
  }
  getDocumentCache() { return this.document; }
  getScriptCache() { return this.script; }
  getUserCache() { return this.user; }
}

class FakeLock {
  constructor() { this.held = false; this.acquired = 0; }
  tryLock() { if (this.held) return false; this.held = true; this.acquired++; return true; }
  waitLock(ms) {
    if (!this.tryLock()) throw new Error(`Exception: Lock timeout: another process was holding the lock for too long (${ms} ms).`);
  }
  releaseLock() { this.held = false; }
  hasLock() { return this.held; }
}

class FakeLockService {
  constructor() { this.document = new FakeLock(); this.script = new FakeLock(); this.user = new FakeLock(); }
  getDocumentLock() { return this.document; }
  getScriptLock() { return this.script; }
  getUserLock() { return this.user; }
}

class FakeTrigger {
  constructor(spec) { Object.assign(this, spec); }
  getHandlerFunction() { return this.handler; }
  getEventType() { return this.eventType; }
  getUniqueId() { return this.id; }
  getTriggerSource() { return this.source; }
}

class FakeScriptApp {
  constructor(mode) {
    this.mode = mode;
    this.triggers = [];
    this.nextId = 1;
    this.identityToken = 'fake.oidc.token';
    this.EventType = { CLOCK: 'CLOCK', ON_EDIT: 'ON_EDIT', ON_OPEN: 'ON_OPEN' };
    this.AuthMode = { NONE: 'NONE', LIMITED: 'LIMITED', FULL: 'FULL', CUSTOM_FUNCTION: 'CUSTOM_FUNCTION' };
  }
  getIdentityToken() { this.mode.forbid('ScriptApp.getIdentityToken'); return this.identityToken; }
  getProjectTriggers() { this.mode.forbid('ScriptApp.getProjectTriggers'); return this.triggers.slice(); }
  deleteTrigger(t) { this.triggers = this.triggers.filter((x) => x.id !== t.getUniqueId()); }
  newTrigger(handler) {
    this.mode.forbid('ScriptApp.newTrigger');
    const app = this;
    const create = (spec) => {
      const t = new FakeTrigger(Object.assign({ handler, id: String(app.nextId++) }, spec));
      app.triggers.push(t);
      return t;
    };
    return {
      timeBased() {
        const spec = { eventType: 'CLOCK', source: 'CLOCK' };
        const b = {
          everyHours(n) {
            if (![1, 2, 4, 6, 8, 12].includes(n)) throw new Error(`Exception: everyHours: ${n} is not 1, 2, 4, 6, 8 or 12`);
            spec.everyHours = n; return b;
          },
          everyDays(n) { spec.everyDays = n; return b; },
          atHour(h) {
            if (!spec.everyDays) throw new Error('Exception: atHour needs everyDays');
            spec.atHour = h; return b;
          },
          everyMinutes(n) { spec.everyMinutes = n; return b; },
          create() {
            if (!spec.everyHours && !spec.everyDays && !spec.everyMinutes) throw new Error('Exception: no interval');
            return create(spec);
          },
        };
        return b;
      },
      forSpreadsheet(ss) {
        if (!ss || typeof ss.getId !== 'function') throw new Error('Exception: forSpreadsheet needs a spreadsheet');
        return {
          onEdit() { return { create: () => create({ eventType: 'ON_EDIT', source: 'SPREADSHEETS', spreadsheetId: ss.getId() }) }; },
          onOpen() { return { create: () => create({ eventType: 'ON_OPEN', source: 'SPREADSHEETS', spreadsheetId: ss.getId() }) }; },
        };
      },
    };
  }
}

class FakeHtmlOutput {
  constructor(content, file) { Object.assign(this, { content, file, title: '', width: 0, height: 0 }); }
  getContent() { return this.content; }
  setTitle(t) { this.title = t; return this; }
  setWidth(w) { this.width = w; return this; }
  setHeight(h) { this.height = h; return this; }
}

/** What `<?= ?>` prints: the value HTML-escaped (Apps Script escapes by context; HTML here). */
function escapeHtml(value) {
  return String(value).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]);
}

/**
 * HtmlTemplate of createTemplateFromFile: evaluate() expands the printing scriptlets,
 * `<?!= expr ?>` (printed as is) and `<?= expr ?>` (HTML-escaped), each expression evaluated
 * in the project's global scope (the one the .gs files were loaded into, so `include_('X')`
 * runs the real .gs function), with the properties set on the template in scope, as in
 * Apps Script. Standard scriptlets (`<? code ?>`) are not supported: they throw, as does an
 * expression that throws or does not parse, naming the file and the scriptlet.
 */
class FakeHtmlTemplate {
  constructor(raw, file, context) {
    Object.defineProperty(this, '_raw', { value: raw });
    Object.defineProperty(this, '_file', { value: file });
    Object.defineProperty(this, '_context', { value: context });
  }
  getRawContent() { return this._raw; }
  evaluate() {
    if (!this._context) throw new Error('fake: HtmlService has no script context to evaluate templates in');
    const scope = Object.assign({}, this);
    const out = this._raw.replace(/<\?(!?=)?([\s\S]*?)\?>/g, (whole, kind, expr) => {
      const where = `${this._file}.html: ${whole.length > 80 ? `${whole.slice(0, 77)}...` : whole}`;
      if (!kind) throw new Error(`Exception: ${where}: the fake evaluates printing scriptlets (<?= ?>, <?!= ?>) only`);
      let value;
      try {
        // Sloppy-mode function made in the project's realm: `with` puts the template's
        // properties in scope before the project's globals.
        const fn = vm.runInContext(`(function (__scope) { with (__scope) { return (${expr}\n); } })`, this._context);
        value = fn(scope);
      } catch (err) {
        throw new Error(`Exception: ${where}: ${err && err.message ? err.message : err}`);
      }
      const printed = value === undefined || value === null ? '' : String(value);
      return kind === '!=' ? printed : escapeHtml(printed);
    });
    return new FakeHtmlOutput(out, this._file);
  }
}

class FakeHtmlService {
  /**
   * @param {string} srcDir The project's files.
   * @param {object=} context The vm context of the .gs files (the harness sets it after
   *     loading them), in which template scriptlets are evaluated.
   */
  constructor(srcDir, context) { this.srcDir = srcDir; this.context = context || null; }
  _read(name) {
    const file = path.join(this.srcDir, `${name}.html`);
    if (!fs.existsSync(file)) throw new Error(`Exception: No HTML file named ${name} was found.`);
    return fs.readFileSync(file, 'utf8');
  }
  createHtmlOutputFromFile(name) { return new FakeHtmlOutput(this._read(name), name); }
  createTemplateFromFile(name) { return new FakeHtmlTemplate(this._read(name), name, this.context); }
  createHtmlOutput(html) { return new FakeHtmlOutput(String(html || ''), null); }
}

/** Utilities: digests through Node's crypto, returned as signed (Java) bytes. */
class FakeUtilities {
  constructor(clock) {
    this.clock = clock;
    this.sleeps = [];
    this.onSleep = null; // hook: lets a test act "while" the script sleeps
    this.Charset = { UTF_8: 'UTF_8', US_ASCII: 'US_ASCII' };
    this.DigestAlgorithm = { SHA_256: 'SHA_256', MD5: 'MD5', SHA_1: 'SHA_1' };
  }
  _bytes(value, charset) {
    if (Array.isArray(value)) return Buffer.from(value.map((b) => b & 0xff));
    return Buffer.from(String(value), charset === 'US_ASCII' ? 'ascii' : 'utf8');
  }
  computeHmacSha256Signature(value, key, charset) {
    const mac = crypto.createHmac('sha256', this._bytes(key, charset));
    mac.update(this._bytes(value, charset));
    return signedBytes(mac.digest());
  }
  computeDigest(algorithm, value, charset) {
    const name = { SHA_256: 'sha256', MD5: 'md5', SHA_1: 'sha1' }[algorithm];
    return signedBytes(crypto.createHash(name).update(this._bytes(value, charset)).digest());
  }
  base64Encode(data) { return this._bytes(data).toString('base64'); }
  base64DecodeWebSafe(text) {
    if (!/^[A-Za-z0-9_-]*={0,2}$/.test(text) || text.replace(/=+$/, '').length % 4 === 1) {
      throw new Error('Exception: Could not decode string.');
    }
    return signedBytes(Buffer.from(text, 'base64url'));
  }
  newBlob(data) {
    const bytes = this._bytes(data);
    return { getBytes: () => signedBytes(bytes), getDataAsString: () => bytes.toString('utf8') };
  }
  sleep(ms) {
    if (ms > 300000) throw new Error('Exception: sleep over 5 minutes');
    this.sleeps.push(ms);
    this.clock.advance(ms);
    if (this.onSleep) this.onSleep(ms);
  }
  formatDate(date, timeZone, format) {
    const parts = Object.fromEntries(new Intl.DateTimeFormat('en-GB', {
      timeZone, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit',
      minute: '2-digit', second: '2-digit', hourCycle: 'h23',
    }).formatToParts(date).map((p) => [p.type, p.value]));
    return format.replace('yyyy', parts.year).replace('MM', parts.month).replace('dd', parts.day)
      .replace('HH', parts.hour).replace('mm', parts.minute).replace('ss', parts.second);
  }
}

class FakeSession {
  constructor() { this.email = 'analyst@example.com'; this.timeZone = 'Europe/London'; }
  getScriptTimeZone() { return this.timeZone; }
  getActiveUser() { return { getEmail: () => this.email }; }
  getEffectiveUser() { return { getEmail: () => this.email }; }
}

/** A settable clock, shared by the fakes and the code's services.now(). */
class FakeClock {
  constructor(ms = Date.UTC(2026, 0, 15, 12, 0, 0)) { this.ms = ms; }
  now() { return this.ms; }
  advance(ms) { this.ms += ms; }
}

module.exports = {
  FakeClock, FakeSpreadsheetApp, FakeUrlFetchApp, FakeHTTPResponse, FakePropertiesService,
  FakeCacheService, FakeCache, FakeLockService, FakeScriptApp, FakeHtmlService, FakeHtmlTemplate, FakeUtilities,
  FakeSession, Mode, signedBytes, columnLetters,
};
