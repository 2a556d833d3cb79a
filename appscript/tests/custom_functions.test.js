'use strict';
// CustomFunctions.gs: =GBESS_LOOKUP and =GBESS_DUOS_RATES, run as custom functions
// (writes, UI, triggers and identity tokens fail), with the cache's real limits.

const test = require('node:test');
const assert = require('node:assert/strict');
const { loadProject, plain, problem, json, SETTINGS } = require('./harness');

function project() {
  const p = loadProject({ settings: SETTINGS });
  p.lookup = (range) => plain(p.asCustomFunction(() => p.call('GBESS_LOOKUP', range)));
  p.rates = (...args) => plain(p.asCustomFunction(() => p.call('GBESS_DUOS_RATES', ...args)));
  return p;
}

function answerRow(q, i) {
  if (q.startsWith('BAD')) {
    return { query: q, error: { type: 'invalid_mpan', detail: 'check digit should be 7' } };
  }
  return {
    query: q, kind: 'postcode', distributor_id: 12, distributor_name: 'London Power Networks',
    gsp_group_id: '_C', match: 'postcode_district', candidates: [], warnings: i % 2 ? ['postcode district only'] : [],
  };
}

function serve(p, rowFn = answerRow) {
  p.fakes.UrlFetchApp.handler = (req) => {
    const { queries } = JSON.parse(req.payload);
    return json({ results: queries.map(rowFn) });
  };
}

test('one cell: a single row of distributor id, DNO, GSP group, match, warnings', () => {
  const p = project();
  serve(p);
  assert.deepEqual(p.lookup('SW1A 1AA'), [['12', 'London Power Networks', '_C', 'postcode_district', '']]);
  // Custom functions cannot get identity tokens: the call is HMAC-signed.
  assert.ok(p.fakes.UrlFetchApp.requests[0].headers['X-Gbess-Signature']);
});

test('a range: blank rows stay blank, per-row errors are in-cell, MPAN+postcode rows joined', () => {
  const p = project();
  serve(p);
  const out = p.lookup([['SW1A 1AA', ''], ['', ''], ['BAD 1', ''], ['1200023305967', 'EC1A 1BB'], [1200023305967, '']]);
  assert.deepEqual(out, [
    ['12', 'London Power Networks', '_C', 'postcode_district', ''],
    ['', '', '', '', ''],
    ['#GBESS: check digit should be 7', '', '', '', ''],
    // Warnings on odd positions of the de-duplicated query list (see answerRow).
    ['12', 'London Power Networks', '_C', 'postcode_district', ''],
    ['12', 'London Power Networks', '_C', 'postcode_district', 'postcode district only'],
  ]);
  assert.equal(p.fakes.UrlFetchApp.requests.length, 1);
  assert.deepEqual(JSON.parse(p.fakes.UrlFetchApp.requests[0].payload).queries,
    ['SW1A 1AA', 'BAD 1', '1200023305967 EC1A 1BB', '1200023305967']);
});

test('an MPAN stored as a rounded number is reported, not looked up', () => {
  const p = project();
  serve(p);
  // A 21-digit full MPAN typed without text formatting becomes 1.2e20 in Sheets.
  const out = p.lookup([[1.2000233059671e20]]);
  assert.match(out[0][0], /^#GBESS: this cell holds a number that has lost digits/);
  assert.equal(p.fakes.UrlFetchApp.requests.length, 0);
});

test('ambiguous postcodes show every candidate (never a silent pick)', () => {
  const p = project();
  // The shape gbess lookup gives for a border district.
  serve(p, (q) => ({ query: q, kind: 'postcode', distributor_id: null, distributor_name: null, gsp_group_id: null, match: 'ambiguous',
    candidates: [{ gsp_group_id: '_B', distributor_id: '11', distributor_name: 'National Grid (East Midlands)' },
      { gsp_group_id: '_E', distributor_id: '14', distributor_name: 'National Grid Elec Dist (West Midlands)' }],
    warnings: ['the two district sources disagree on CV47'] }));
  assert.deepEqual(p.lookup('CV47 0AA'), [['11 or 14', 'National Grid (East Midlands) or National Grid Elec Dist (West Midlands)',
    '_B or _E', 'ambiguous', 'the two district sources disagree on CV47']]);
});

test('whole-request failures come back as one readable cell, never thrown', () => {
  const p = project();
  p.fakes.UrlFetchApp.handler = () => problem(401, 'Unauthorized', 'signature does not match');
  assert.deepEqual(p.lookup([['SW1A 1AA'], ['EC1A 1BB']]), [[
    '#GBESS: The service refused the credentials (401: signature does not match). Check the auth mode and secret in gbess → Settings.',
  ]]);
  const q = project();
  q.fakes.UrlFetchApp.handler = () => problem(413, 'Payload Too Large', 'at most 10,000 per request');
  assert.deepEqual(q.lookup([['SW1A 1AA']]), [['#GBESS: Too much data for one request (413: at most 10,000 per request).']]);
  const r = project();
  r.fakes.UrlFetchApp.handler = () => ({ code: 200, body: 'not json' });
  assert.match(r.lookup('SW1A 1AA')[0][0], /^#GBESS: The service answered \/v1\/lookup with something that is not JSON/);
  const s = project();
  s.fakes.UrlFetchApp.handler = () => { throw new Error('Exception: Address unavailable: https://gbess.example.run.app/v1/lookup'); };
  assert.match(s.lookup('SW1A 1AA')[0][0], /^#GBESS: Could not reach the service/);
  assert.equal(s.fakes.UrlFetchApp.requests.length, 1, 'network errors are not retried inside 30 s');
});

test('answers are cached under a hashed key: the second call makes no request', () => {
  const p = project();
  serve(p);
  const first = p.lookup([['SW1A 1AA'], ['EC1A 1BB']]);
  const second = p.lookup([['SW1A 1AA'], ['EC1A 1BB']]);
  assert.deepEqual(second, first);
  assert.equal(p.fakes.UrlFetchApp.requests.length, 1);
  const keys = [...p.fakes.CacheService.document.entries.keys()];
  assert.equal(keys.length, 1);
  assert.match(keys[0], /^gbess:lookup:[0-9a-f]{64}$/);
  // Errors are never cached.
  const q = project();
  q.fakes.UrlFetchApp.handler = () => problem(500, 'Internal Server Error', 'boom');
  q.lookup('SW1A 1AA');
  assert.equal(q.fakes.CacheService.document.entries.size, 0);
});

test('1,000 rows: one request; the cached answer is chunked under 100 KB per value', () => {
  const p = project();
  // Long warnings make each row ~300 bytes: 1,000 rows ≈ 300 KB → 4 chunks of ≤ 90,000 chars.
  serve(p, (q) => Object.assign(answerRow(q, 0), { warnings: ['w'.repeat(200)] }));
  const range = Array.from({ length: 1000 }, (_, i) => [`AB${i} 1CD`]);
  const out = p.lookup(range);
  assert.equal(out.length, 1000);
  assert.equal(p.fakes.UrlFetchApp.requests.length, 1);
  const cache = p.fakes.CacheService.document;
  const values = [...cache.entries.values()].map((e) => e.value);
  assert.ok(values.length >= 4, `chunked into ${values.length} entries`);
  assert.ok(values.every((v) => Buffer.byteLength(v) <= 100 * 1024));
  assert.deepEqual(p.lookup(range), out);
  assert.equal(p.fakes.UrlFetchApp.requests.length, 1, 'served from the chunks');
  // A chunk evicted (the cache keeps ~900 items) → a miss, and a fresh request.
  const chunkKey = [...cache.entries.keys()].find((k) => k.includes('#'));
  cache.entries.delete(chunkKey);
  assert.deepEqual(p.lookup(range), out);
  assert.equal(p.fakes.UrlFetchApp.requests.length, 2);
});

test('the fake cache enforces the real limits (so the code is checked against them)', () => {
  const p = project();
  const cache = p.fakes.CacheService.document;
  assert.throws(() => cache.put('k'.repeat(251), 'v'), /Argument too large: key/);
  assert.throws(() => cache.put('k', 'v'.repeat(100 * 1024 + 1)), /Argument too large: value/);
  assert.throws(() => cache.put('k', 'v', 21601), /Invalid expiration/);
});

test('GBESS_DUOS_RATES: a date cell is sent as the UK calendar date; the answer is flattened', () => {
  const p = project();
  p.fakes.UrlFetchApp.handler = (req) => {
    assert.equal(req.url, 'https://gbess.example.run.app/v1/duos/rates');
    return json({ tariff: 'Domestic Aggregated', charging_year: '2025/26', rates: { red_p_per_kwh: 21.5, fixed_p_per_mpan_per_day: 9.1 }, bands: [{ band: 'red', start: '16:00', end: '19:00' }] });
  };
  // A date cell of 1 June 2025 reaches Apps Script as midnight UK time = 2025-05-31T23:00Z.
  const out = p.rates(14, 'Domestic Aggregated', new Date('2025-05-31T23:00:00Z'));
  assert.deepEqual(JSON.parse(p.fakes.UrlFetchApp.requests[0].payload), { distributor: '14', tariff: 'Domestic Aggregated', date: '2025-06-01' });
  assert.deepEqual(out, [
    ['tariff', 'Domestic Aggregated'],
    ['charging_year', '2025/26'],
    ['rates.red_p_per_kwh', 21.5],
    ['rates.fixed_p_per_mpan_per_day', 9.1],
    ['bands[1].band', 'red'],
    ['bands[1].start', '16:00'],
    ['bands[1].end', '19:00'],
  ]);
  p.rates(14, 'Domestic Aggregated', '2025-06-01');
  assert.equal(p.fakes.UrlFetchApp.requests.length, 1, 'the same question is answered from the cache');
});

test('GBESS_DUOS_RATES: the service\'s per-year document as name/value rows with band windows', () => {
  const p = project();
  p.fakes.UrlFetchApp.handler = () => json({ distributor_id: '14', gsp_group_id: '_E', tariff_name: 'HV Site Specific Band 1',
    direction: 'demand', voltage_level: 'HV', years: [{ charging_year: '2025/26', rates: { red_p_per_kwh: 1.642, reactive_power_p_per_kvarh: null },
      band_windows: [{ day_type: 'weekday', band: 'red', start_uk_clock: '16:00', end_uk_clock: '19:00', months: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12], date_exception: null },
        { day_type: 'weekday', band: 'amber', start_uk_clock: '07:30', end_uk_clock: '16:00', months: [11, 12, 1, 2], date_exception: null }],
      source_doc_id: '2025-WMID' }], sources: [] });
  assert.deepEqual(p.rates(14, 'HV Site Specific Band 1', '2025-06-01'), [
    ['tariff', 'HV Site Specific Band 1'], ['distributor_id', '14'], ['gsp_group_id', '_E'], ['voltage_level', 'HV'], ['direction', 'demand'],
    ['charging_year', '2025/26'], ['red_p_per_kwh', 1.642], ['reactive_power_p_per_kvarh', 'none'],
    ['red band, weekday', '16:00-19:00'], ['amber band, weekday', '07:30-16:00 (months 11,12,1,2)'], ['source', '2025-WMID'],
  ]);
});

test('GBESS_DUOS_RATES: missing arguments and service errors are in-cell', () => {
  const p = project();
  p.fakes.UrlFetchApp.handler = () => problem(404, 'Tariff not found', 'no tariff "HV Foo" for 14 in 2025/26; nearest: HV Site Specific Band 1', 'tariff');
  assert.deepEqual(p.rates('', 'x', '2025-06-01'), [['#GBESS: give a distributor id (10-23) or GSP group']]);
  assert.deepEqual(p.rates(14, '', '2025-06-01'), [['#GBESS: give a tariff name']]);
  assert.deepEqual(p.rates(14, 'HV Foo', 'June'), [['#GBESS: give a date (a date cell or YYYY-MM-DD)']]);
  assert.equal(p.fakes.UrlFetchApp.requests.length, 0);
  const q = project();
  q.fakes.UrlFetchApp.handler = () => problem(422, 'Tariff not found', 'no tariff "HV Foo" for 14 in 2025/26; nearest: HV Site Specific Band 1', 'tariff');
  assert.deepEqual(q.rates(14, 'HV Foo', '2025-06-01'), [['#GBESS: Tariff not found (422): no tariff "HV Foo" for 14 in 2025/26; nearest: HV Site Specific Band 1']]);
  const r = project();
  r.fakes.UrlFetchApp.handler = () => json([1, 2]);
  assert.deepEqual(r.rates(14, 'x', '2025-06-01'), [['#GBESS: The service answered /v1/duos/rates without an object.']]);
});
