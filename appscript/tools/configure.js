#!/usr/bin/env node
'use strict';
// Points the clasp project at your deployment before `clasp push`:
//   node appscript/tools/configure.js --service-url https://gbess-abc123-nw.a.run.app \
//        --script-id 1AbC...xyz
// writes the service URL into appsscript.json's urlFetchWhitelist (Apps Script refuses
// to fetch URLs not listed there) and the script id into .clasp.json. Run it again to
// change either; it never touches anything else.

const fs = require('node:fs');
const path = require('node:path');

function usage(message) {
  process.stderr.write(`configure.js: ${message}\n` +
    'usage: node appscript/tools/configure.js --service-url https://HOST [--script-id ID] [--dir appscript]\n');
  process.exit(2);
}

function parseArgs(argv) {
  const out = { dir: path.resolve(__dirname, '..') };
  for (let i = 0; i < argv.length; i += 2) {
    const [flag, value] = [argv[i], argv[i + 1]];
    if (value === undefined) usage(`${flag} needs a value`);
    if (flag === '--service-url') out.serviceUrl = value;
    else if (flag === '--script-id') out.scriptId = value;
    else if (flag === '--dir') out.dir = path.resolve(value);
    else usage(`unknown option ${flag}`);
  }
  if (!out.serviceUrl && !out.scriptId) usage('give --service-url and/or --script-id');
  return out;
}

/** The allowlist prefix for a service URL: https, a full host, and a non-empty path. */
function allowlistPrefix(serviceUrl) {
  let url;
  try {
    url = new URL(serviceUrl);
  } catch (e) {
    usage(`--service-url: not a URL: ${serviceUrl}`);
  }
  if (url.protocol !== 'https:') usage('--service-url: Apps Script only fetches https:// URLs');
  if (!url.hostname.includes('.')) usage('--service-url: needs a full domain');
  if (url.search || url.hash) usage('--service-url: no query string or fragment');
  return `${url.origin}${url.pathname.replace(/\/*$/, '/')}`;
}

function main() {
  const args = parseArgs(process.argv.slice(2));
  const manifestPath = path.join(args.dir, 'src', 'appsscript.json');
  const claspPath = path.join(args.dir, '.clasp.json');
  if (args.serviceUrl) {
    const manifest = JSON.parse(fs.readFileSync(manifestPath, 'utf8'));
    manifest.urlFetchWhitelist = [allowlistPrefix(args.serviceUrl)];
    fs.writeFileSync(manifestPath, `${JSON.stringify(manifest, null, 2)}\n`);
    process.stdout.write(`urlFetchWhitelist = ${JSON.stringify(manifest.urlFetchWhitelist)} (${manifestPath})\n`);
  }
  if (args.scriptId) {
    if (!/^[A-Za-z0-9_-]{20,}$/.test(args.scriptId)) {
      usage('--script-id: copy it from Apps Script → Project Settings → IDs (letters, digits, - and _)');
    }
    const clasp = JSON.parse(fs.readFileSync(claspPath, 'utf8'));
    clasp.scriptId = args.scriptId;
    fs.writeFileSync(claspPath, `${JSON.stringify(clasp, null, 2)}\n`);
    process.stdout.write(`scriptId = ${args.scriptId} (${claspPath})\n`);
  }
}

main();
