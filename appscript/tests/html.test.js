'use strict';
// Html.gs and the fake HtmlService's templates: each page is served as
// createTemplateFromFile(name).evaluate(), its <?!= include_('X') ?> printing a shared file;
// the shared pieces (PanelStyle, PanelScript, SiteFields, RegistrationOptions) are written
// once and not copied back into the pages.

const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { loadProject, SETTINGS, SRC } = require('./harness');

/** A project whose HtmlService reads `files` ({name: content}) instead of src/. */
function projectWith(files) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gbess-html-'));
  for (const [name, content] of Object.entries(files)) fs.writeFileSync(path.join(dir, `${name}.html`), content);
  const p = loadProject();
  p.fakes.HtmlService.srcDir = dir;
  test.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  return p;
}

test('fake template: <?!= include_() ?> prints the file through the real Html.gs, nested includes too', () => {
  const p = projectWith({
    Page: "<head><?!= include_('Style') ?></head><body><?!= include_('Part') ?></body>",
    Style: '<style>b { color: red; }</style>',
    Part: "<p>part</p><?!= include_('Leaf') ?>",
    Leaf: '<i>leaf & more</i>',
  });
  const out = p.fakes.HtmlService.createTemplateFromFile('Page').evaluate();
  assert.equal(out.getContent(), '<head><style>b { color: red; }</style></head><body><p>part</p><i>leaf & more</i></body>');
  assert.equal(out.setTitle('t').title, 't', 'evaluate() gives an HtmlOutput');
  assert.equal(p.fakes.HtmlService.createTemplateFromFile('Page').getRawContent(), "<head><?!= include_('Style') ?></head><body><?!= include_('Part') ?></body>");
  assert.equal(p.fakes.HtmlService.createHtmlOutputFromFile('Page').getContent(),
    "<head><?!= include_('Style') ?></head><body><?!= include_('Part') ?></body>", 'createHtmlOutputFromFile serves the file as it is');
});

test('fake template: <?= ?> prints HTML-escaped; properties set on the template are in scope', () => {
  const p = projectWith({ Page: '<p title="<?= who ?>"><?= "<b>" + who ?></p><?!= "<b>" ?><?= null ?>|<?= 1 + 1 ?>' });
  const t = p.fakes.HtmlService.createTemplateFromFile('Page');
  t.who = 'Tom & "Jerry\'s"';
  assert.equal(t.evaluate().getContent(),
    '<p title="Tom &amp; &quot;Jerry&#39;s&quot;">&lt;b&gt;Tom &amp; &quot;Jerry&#39;s&quot;</p><b>|2');
});

test('fake template: an unknown file, a failing or unparsable scriptlet, a standard scriptlet: clear errors', () => {
  const p = projectWith({
    Page: "<head><?!= include_('Nope') ?></head>",
    Typo: '<p><?= undefinedName ?></p>',
    Broken: '<p><?= ( ?></p>',
    Code: '<? if (true) { ?><p>x</p><? } ?>',
  });
  const html = p.fakes.HtmlService;
  assert.throws(() => html.createTemplateFromFile('Missing'), { message: 'Exception: No HTML file named Missing was found.' });
  assert.throws(() => html.createTemplateFromFile('Page').evaluate(),
    { message: "Exception: Page.html: <?!= include_('Nope') ?>: Exception: No HTML file named Nope was found." });
  assert.throws(() => html.createTemplateFromFile('Typo').evaluate(), { message: 'Exception: Typo.html: <?= undefinedName ?>: undefinedName is not defined' });
  assert.throws(() => html.createTemplateFromFile('Broken').evaluate(), /^Error: Exception: Broken\.html: <\?= \( \?>: Unexpected token/);
  assert.throws(() => html.createTemplateFromFile('Code').evaluate(), /Code\.html: <\? if \(true\) \{ \?>: the fake evaluates printing scriptlets/);
  assert.throws(() => p.call('include_', 'Nope'), /No HTML file named Nope was found/);
});

/** The project's pages, the function that shows each and where it lands. */
const PAGES = {
  Invest: { show: (p) => p.call('showInvest_', p.services()), served: (p) => p.ui.sidebars[0], title: 'gbess investment case' },
  Risk: { show: (p) => p.call('showRisk_', p.services()), served: (p) => p.ui.sidebars[0], title: 'gbess risk' },
  Fleet: { show: (p) => p.call('showFleet_', p.services()), served: (p) => p.ui.sidebars[0], title: 'gbess fleet' },
  Sidebar: { show: (p) => p.call('showSidebar_', 'site', p.services()), served: (p) => p.ui.sidebars[0], title: 'gbess' },
  Settings: { show: (p) => p.call('menuSettings'), served: (p) => p.ui.dialogs[0].html, title: '' },
};
const SHARED = ['PanelStyle', 'PanelScript', 'SiteFields', 'RegistrationOptions'];
const read = (name) => fs.readFileSync(path.join(SRC, `${name}.html`), 'utf8');

for (const [name, page] of Object.entries(PAGES)) {
  test(`${name}: shown as its evaluated template, every include printed, no scriptlet left`, () => {
    const p = loadProject({ settings: SETTINGS });
    page.show(p);
    const served = page.served(p);
    assert.equal(served.title, page.title);
    const content = served.getContent();
    assert.doesNotMatch(content, /<\?/);
    assert.match(content, /^<!DOCTYPE html>/);
    for (const m of read(name).matchAll(/<\?!= include_\('(\w+)'\) \?>/g)) {
      assert.ok(content.includes(p.call('include_', m[1])), `${name}: ${m[1]} printed`);
    }
  });
}

test('the panels include the shared pieces: the same CSS, helpers and site fields everywhere', () => {
  const includes = (name) => [...read(name).matchAll(/<\?!= include_\('(\w+)'\) \?>/g)].map((m) => m[1]);
  assert.deepEqual(includes('Invest'), ['PanelStyle', 'SiteFields', 'PanelScript']);
  assert.deepEqual(includes('Risk'), ['PanelStyle', 'SiteFields', 'PanelScript']);
  assert.deepEqual(includes('Fleet'), ['PanelStyle', 'PanelScript']);
  assert.deepEqual(includes('SiteFields'), ['RegistrationOptions']);
  assert.deepEqual(includes('Sidebar'), ['RegistrationOptions']);
});

test('no code written twice: a shared piece\'s functions and lines are not copied back into a page', () => {
  const files = fs.readdirSync(SRC).filter((f) => f.endsWith('.html')).map((f) => f.replace(/\.html$/, ''));
  const sharedFunctions = [...read('PanelScript').matchAll(/function (\w+)\(/g)].map((m) => m[1]);
  assert.deepEqual(sharedFunctions, ['text', 'table', 'formValues', 'showFieldErrors', 'showMessage',
    'failureMessage']);
  for (const file of files.filter((f) => f !== 'PanelScript')) {
    for (const fn of sharedFunctions) {
      assert.doesNotMatch(read(file), new RegExp(`function ${fn}\\(`), `${file}.html defines ${fn}() again: include PanelScript`);
    }
  }
  // Every substantial line of a shared piece (a CSS rule, a field, an option) is in no other
  // file; but the sidebar's battery form builds its own site group (labels with for=, ids,
  // data-error-for slots, its own hints), which only happens to have the same legend.
  const ownLines = { Sidebar: ['<legend>Site (DUoS), optional: all three or none</legend>'] };
  for (const shared of SHARED) {
    const lines = read(shared).split('\n').map((l) => l.trim())
      .filter((l) => l.length >= 20 && !l.startsWith('//') && !l.startsWith('/*') && !l.startsWith('<?'));
    assert.ok(lines.length >= 3, shared);
    for (const file of files.filter((f) => f !== shared)) {
      const other = new Set(read(file).split('\n').map((l) => l.trim()));
      for (const line of lines) {
        if ((ownLines[file] || []).includes(line)) continue;
        assert.ok(!other.has(line), `${file}.html repeats a line of ${shared}.html: ${line}`);
      }
    }
  }
});
