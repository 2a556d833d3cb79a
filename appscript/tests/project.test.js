'use strict';
// The clasp project as a whole: manifest scopes and allowlist, .clasp.json, exactly
// one onOpen and one installable edit handler, JSDoc on every function, private
// helpers ending in "_", and the configure tool.

const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { execFileSync, spawnSync } = require('node:child_process');
const { SRC, sourceFiles } = require('./harness');

const ROOT = path.resolve(SRC, '..');
const sources = Object.fromEntries(sourceFiles().map((f) => [f, fs.readFileSync(path.join(SRC, f), 'utf8')]));
const html = fs.readdirSync(SRC).filter((f) => f.endsWith('.html')).map((f) => fs.readFileSync(path.join(SRC, f), 'utf8')).join('\n');
const all = Object.values(sources).join('\n');

test('the manifest: V8, Europe/London, the narrowest scopes that work, an https allowlist', () => {
  const manifest = JSON.parse(fs.readFileSync(path.join(SRC, 'appsscript.json'), 'utf8'));
  assert.equal(manifest.runtimeVersion, 'V8');
  assert.equal(manifest.timeZone, 'Europe/London');
  assert.deepEqual([...manifest.oauthScopes].sort(), [
    'https://www.googleapis.com/auth/script.container.ui', // menus, sidebar, dialogs
    'https://www.googleapis.com/auth/script.external_request', // UrlFetchApp
    'https://www.googleapis.com/auth/script.scriptapp', // installable triggers
    'https://www.googleapis.com/auth/spreadsheets.currentonly', // this spreadsheet only
    'https://www.googleapis.com/auth/userinfo.email', // email claim in the identity token
    'openid', // ScriptApp.getIdentityToken
  ]);
  assert.ok(manifest.urlFetchWhitelist.length >= 1);
  for (const prefix of manifest.urlFetchWhitelist) {
    const url = new URL(prefix);
    assert.equal(url.protocol, 'https:');
    assert.ok(url.pathname.length >= 1 && prefix.endsWith('/'), `${prefix}: non-empty path`);
  }
});

test('.clasp.json pushes only src/ (tests and tools stay local)', () => {
  const clasp = JSON.parse(fs.readFileSync(path.join(ROOT, '.clasp.json'), 'utf8'));
  assert.equal(clasp.rootDir, 'src');
  assert.ok(fs.existsSync(path.join(ROOT, clasp.rootDir, 'appsscript.json')));
});

test('exactly one onOpen and one installable edit handler in the whole project', () => {
  assert.equal((all.match(/^function onOpen\(/gm) || []).length, 1);
  assert.equal((all.match(/^function onEdit\(/gm) || []).length, 0, 'no simple onEdit trigger');
  assert.equal((all.match(/\.onEdit\(\)/g) || []).length, 1, 'one installable edit trigger is created');
  assert.match(all, /\.newTrigger\(\s*EDIT_HANDLER_\s*\)\s*\.forSpreadsheet/);
  assert.match(all, /const EDIT_HANDLER_ = 'onSitesEdit';/);
});

test('every function has JSDoc; public names are exactly the entry points', () => {
  const menuTargets = [...sources['Menu.gs'].matchAll(/\.addItem\('[^']+', '(\w+)'\)/g)].map((m) => m[1]);
  const runTargets = [...html.matchAll(/\.(\w+)\((?:values\(\)|formData\(form\)|formValues\([^)]*\)|\{[^)]*\})?\)\s*;/g)].map((m) => m[1])
    .concat([...html.matchAll(/server: '(\w+)'/g)].map((m) => m[1]));
  const triggers = ['onOpen', 'onInstall', 'onSitesEdit', 'scheduledRefresh'];
  for (const [file, text] of Object.entries(sources)) {
    for (const m of text.matchAll(/^function (\w+)\(/gm)) {
      const name = m[1];
      const before = text.slice(0, m.index).trimEnd();
      assert.ok(before.endsWith('*/'), `${file}: ${name} has no JSDoc`);
      if (name.endsWith('_')) continue;
      const doc = before.slice(before.lastIndexOf('/**'));
      const isCustom = doc.includes('@customfunction');
      assert.ok(isCustom || menuTargets.includes(name) || runTargets.includes(name) || triggers.includes(name),
        `${file}: ${name} is public but is not a menu item, trigger, custom function or google.script.run target`);
    }
  }
  for (const target of new Set(runTargets.filter((t) => !['withSuccessHandler', 'withFailureHandler', 'close', 'preventDefault'].includes(t)))) {
    if (/^(sidebar|saveSettings|getSettings|testConnection)/.test(target)) {
      assert.match(all, new RegExp(`^function ${target}\\(`, 'm'), `${target} called from HTML exists`);
    }
  }
});

test('no secrets or service URLs in source (they live in Properties)', () => {
  assert.doesNotMatch(all, /GBESS_HMAC_SECRET\s*=\s*'/);
  assert.doesNotMatch(all, /https:\/\/[a-z0-9-]+\.a\.run\.app/);
});

test('tools/configure.js writes the allowlist and script id, and refuses http URLs', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gbess-clasp-'));
  fs.mkdirSync(path.join(dir, 'src'));
  fs.copyFileSync(path.join(SRC, 'appsscript.json'), path.join(dir, 'src', 'appsscript.json'));
  fs.copyFileSync(path.join(ROOT, '.clasp.json'), path.join(dir, '.clasp.json'));
  const tool = path.join(ROOT, 'tools', 'configure.js');
  execFileSync(process.execPath, [tool, '--dir', dir, '--service-url', 'https://gbess-abc123-nw.a.run.app', '--script-id', '1AbCdEfGhIjKlMnOpQrStUvWxYz_0123456789']);
  const manifest = JSON.parse(fs.readFileSync(path.join(dir, 'src', 'appsscript.json'), 'utf8'));
  assert.deepEqual(manifest.urlFetchWhitelist, ['https://gbess-abc123-nw.a.run.app/']);
  assert.equal(manifest.oauthScopes.length, 6, 'the rest of the manifest is kept');
  assert.equal(JSON.parse(fs.readFileSync(path.join(dir, '.clasp.json'), 'utf8')).scriptId, '1AbCdEfGhIjKlMnOpQrStUvWxYz_0123456789');
  const bad = spawnSync(process.execPath, [tool, '--dir', dir, '--service-url', 'http://gbess.example.com'], { encoding: 'utf8' });
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /only fetches https/);
  fs.rmSync(dir, { recursive: true });
});
