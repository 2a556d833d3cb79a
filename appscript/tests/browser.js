'use strict';
// Pages of the add-on in headless Chromium: the page as Sheets serves it, a stub
// google.script.run whose answers were made beforehand by the REAL server functions (the .gs
// code run in node:vm against the fakes), a driver script that types, submits and reports
// what the page shows, and a screenshot at the sidebar's 300 px. Used by the *_browser tests.

const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { spawnSync } = require('node:child_process');
const { loadProject } = require('./harness');

/** The Chromium on PATH, or null. */
function findChromium() {
  for (const name of ['chromium', 'chromium-browser', 'google-chrome']) {
    const r = spawnSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' });
    if (r.status === 0) return r.stdout.trim();
  }
  return null;
}

/**
 * A stub google.script.run: each call answered from `answers`, keyed by the function's name
 * and its arguments as JSON, else by the function's name alone; every call is recorded in
 * window.__calls.
 */
function stubScript(answers) {
  return `<script>
  (function () {
    var answers = ${JSON.stringify(answers)};
    window.__calls = [];
    function runner(ok, fail) {
      var r = {
        withSuccessHandler: function (f) { return runner(f, fail); },
        withFailureHandler: function (f) { return runner(ok, f); }
      };
      return new Proxy(r, { get: function (t, name) {
        if (name in t) { return t[name]; }
        return function () {
          var args = Array.prototype.slice.call(arguments);
          var key = name + ' ' + JSON.stringify(args);
          window.__calls.push(key);
          setTimeout(function () {
            if (Object.prototype.hasOwnProperty.call(answers, key)) { ok && ok(answers[key]); }
            else if (Object.prototype.hasOwnProperty.call(answers, name)) { ok && ok(answers[name]); }
            else { fail && fail(new Error('no canned answer for ' + key)); }
          }, 10);
        };
      } });
    }
    window.google = { script: { run: runner(null, null), host: { close: function () {} } } };
  })();
  </script>`;
}

/**
 * The page as Sheets serves it: the file's template evaluated by the project's own
 * htmlPage_ (Html.gs: createTemplateFromFile(...).evaluate(), its include_ scriptlets printed),
 * with no scriptlet left over.
 */
function servedPage(htmlFile) {
  const p = loadProject();
  const content = p.call('htmlPage_', p.services(), htmlFile.replace(/\.html$/, '')).getContent();
  assert.doesNotMatch(content, /<\?/, `${htmlFile}: a scriptlet left in the served page`);
  return content;
}

/**
 * The page as Chromium gets it: the served page with the stub before the page's own script,
 * the driver at the end and, since headless Chromium's window is at least 500 px wide, the
 * document held to the sidebar's width (Sheets shows the sidebar in a 300 px frame).
 */
function testPage(htmlFile, answers, driver, width) {
  return servedPage(htmlFile)
    .replace('<head>', `<head><style>html { width: ${width}px; border-right: 1px dashed #aaa; }</style>${stubScript(answers)}`)
    .replace('</body>', `${driver}</body>`);
}

/** Renders an HTML file of the project with the stub and a driver; returns the driver's report. */
function renderReport(chromium, htmlFile, answers, driver, width = 300) {
  const page = testPage(htmlFile, answers, driver, width);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gbess-sidebar-'));
  const file = path.join(dir, 'page.html');
  fs.writeFileSync(file, page);
  const r = spawnSync(chromium, ['--headless', '--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage',
    `--user-data-dir=${path.join(dir, 'profile')}`, `--window-size=${width},1200`, '--virtual-time-budget=10000', '--dump-dom', `file://${file}`],
  { encoding: 'utf8', timeout: 50000 });
  fs.rmSync(dir, { recursive: true, force: true });
  const m = /<pre id="test-report"[^>]*>([\s\S]*?)<\/pre>/.exec(r.stdout || '');
  assert.ok(m, `no report in the dumped DOM (status ${r.status}): ${(r.stderr || '').slice(-500)}`);
  return JSON.parse(m[1].replace(/&quot;/g, '"').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&'));
}

/**
 * Paints the page at the sidebar's width, `height` px of it; the PNG goes to
 * SIDEBAR_SCREENSHOT_DIR (or tmp).
 */
function paint(chromium, htmlFile, answers, driver, name, height = 1100) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gbess-sidebar-'));
  const file = path.join(dir, 'page.html');
  fs.writeFileSync(file, testPage(htmlFile, answers, driver, 300));
  const out = path.join(process.env.SIDEBAR_SCREENSHOT_DIR || os.tmpdir(), name);
  const r = spawnSync(chromium, ['--headless', '--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--hide-scrollbars',
    `--user-data-dir=${path.join(dir, 'profile')}`, `--window-size=500,${height}`, '--virtual-time-budget=10000',
    `--screenshot=${out}`, `file://${file}`], { encoding: 'utf8', timeout: 50000 });
  fs.rmSync(dir, { recursive: true, force: true });
  assert.equal(r.status, 0, (r.stderr || '').slice(-500));
  return out;
}

module.exports = { findChromium, stubScript, servedPage, testPage, renderReport, paint };
