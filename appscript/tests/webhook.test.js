'use strict';
// Webhook.gs: signing, auth modes, problem+json errors, retries, malformed answers.

const test = require('node:test');
const assert = require('node:assert/strict');
const crypto = require('node:crypto');
const { loadProject, plain, problem, json, SETTINGS, SECRET } = require('./harness');

function project(settings = SETTINGS) {
  return loadProject({ settings });
}

function lookupAnswer(request) {
  const queries = JSON.parse(request.payload).queries;
  return json({ results: queries.map((q) => ({ query: q, distributor_id: 12, distributor_name: 'London Power Networks', gsp_group_id: '_C', match: 'postcode_district', warnings: [] })) });
}

test('hexFromBytes_ masks Java signed bytes: [-1, 0, 15, 16, -128, 127] → ff000f10807f', () => {
  const p = project();
  assert.equal(p.call('hexFromBytes_', [-1, 0, 15, 16, -128, 127]), 'ff000f10807f');
});

test('HMAC of the RFC example matches the published value through signed bytes', () => {
  // HMAC_SHA256("key", "The quick brown fox jumps over the lazy dog") =
  // f7bc83f430538424b13298e6aa6fb143ef4d59a14946175997479dbc2d1a3cd8 (Wikipedia, HMAC).
  const p = project();
  const u = p.fakes.Utilities;
  const bytes = u.computeHmacSha256Signature('The quick brown fox jumps over the lazy dog', 'key', u.Charset.UTF_8);
  assert.ok(bytes.some((b) => b < 0), 'the fake returns signed bytes like Apps Script');
  assert.equal(p.call('hexFromBytes_', bytes), 'f7bc83f430538424b13298e6aa6fb143ef4d59a14946175997479dbc2d1a3cd8');
});

test('a POST is signed (v2) over method, path, query, timestamp, nonce and body digest; the body is ASCII JSON', () => {
  const p = project();
  p.fakes.UrlFetchApp.handler = lookupAnswer;
  p.call('lookupQueries_', ['Düsseldorf ✓', 'SW1A 1AA'], {}, p.services());
  const [req] = p.fakes.UrlFetchApp.requests;
  assert.equal(req.method, 'POST');
  assert.equal(req.url, 'https://gbess.example.run.app/v1/lookup');
  assert.equal(req.params.muteHttpExceptions, true);
  assert.equal(req.headers['Content-Type'], 'application/json');
  // Clock is 2026-01-15T12:00:00Z = 1768478400 s.
  assert.equal(req.headers['X-Gbess-Timestamp'], '1768478400');
  assert.match(req.payload, /^[\x00-\x7f]*$/, 'non-ASCII escaped');
  assert.deepEqual(JSON.parse(req.payload), { queries: ['Düsseldorf ✓', 'SW1A 1AA'] });
  const nonce = req.headers['X-Gbess-Nonce'];
  assert.match(nonce, /^[0-9a-f]{32}$/);
  const digest = crypto.createHash('sha256').update(req.payload, 'utf8').digest('hex');
  assert.equal(req.headers['X-Gbess-Content-SHA256'], digest);
  const canonical = `gbess-v2\nPOST\n/v1/lookup\n\n1768478400\n${nonce}\n${digest}`;
  const expected = crypto.createHmac('sha256', SECRET).update(Buffer.from(canonical, 'utf8')).digest('hex');
  assert.equal(req.headers['X-Gbess-Signature'], `v2=${expected}`);
  assert.equal(req.headers.Authorization, undefined);
});

test('hmacHeaders_ reproduces the worked example of docs/security.md (the Python scheme)', () => {
  const p = project();
  const headers = plain(p.call('hmacHeaders_', 'post', '/v1/lookup', '{"queries":["SW1A 1AA"]}',
    '0123456789abcdef0123456789abcdef', 1700000000 * 1000, p.fakes.Utilities, 'AAAAAAAAAAAAAAAAAAAAAAAA'));
  assert.deepEqual(headers, {
    'X-Gbess-Timestamp': '1700000000',
    'X-Gbess-Nonce': 'AAAAAAAAAAAAAAAAAAAAAAAA',
    'X-Gbess-Content-SHA256': 'e5d13a8046550527b75a644232769a6fbccca8c61051e4a1d7b1701fadc2b2c8',
    'X-Gbess-Signature': 'v2=6b433c4da48f991e50f33eab2156fb6090724cc40133894dd4b6b8b07ef2b614',
  });
});

test('the query string is signed apart from the path; every request has its own nonce', () => {
  const p = project();
  const u = p.fakes.Utilities;
  const a = plain(p.call('hmacHeaders_', 'get', '/v1/x?y=1', '', SECRET, 0, u));
  const b = plain(p.call('hmacHeaders_', 'get', '/v1/x?y=1', '', SECRET, 0, u));
  assert.notEqual(a['X-Gbess-Nonce'], b['X-Gbess-Nonce']);
  const digest = crypto.createHash('sha256').update('').digest('hex');
  const canonical = `gbess-v2\nGET\n/v1/x\ny=1\n0\n${a['X-Gbess-Nonce']}\n${digest}`;
  assert.equal(a['X-Gbess-Signature'], 'v2=' + crypto.createHmac('sha256', SECRET).update(canonical).digest('hex'));
});

test('oidc mode sends the identity token instead of a signature', () => {
  const p = project(Object.assign({}, SETTINGS, { auth_mode: 'oidc' }));
  p.fakes.UrlFetchApp.handler = lookupAnswer;
  p.call('lookupQueries_', ['SW1A 1AA'], {}, p.services());
  const [req] = p.fakes.UrlFetchApp.requests;
  assert.equal(req.headers.Authorization, 'Bearer fake.oidc.token');
  assert.equal(req.headers['X-Gbess-Signature'], undefined);
});

test('oidc mode without a token (openid not granted) says what to do', () => {
  const p = project(Object.assign({}, SETTINGS, { auth_mode: 'oidc' }));
  p.fakes.ScriptApp.identityToken = null;
  assert.throws(() => p.call('lookupQueries_', ['SW1A 1AA'], {}, p.services()), /openid scope was not granted/);
  assert.equal(p.fakes.UrlFetchApp.requests.length, 0);
});

test('no service URL or no secret: clear errors, no request', () => {
  const p = loadProject({});
  assert.throws(() => p.call('callService_', 'get', '/health', null, {}, p.services()), /No service URL is set/);
  const q = loadProject({ settings: { service_url: 'https://x.example.app' } });
  assert.throws(() => q.call('lookupQueries_', ['SW1A 1AA'], {}, q.services()), /No shared secret is set/);
  assert.equal(q.fakes.UrlFetchApp.requests.length, 0);
});

const ERROR_CASES = [
  [401, problem(401, 'Unauthorized', 'signature does not match'), /refused the credentials \(401: signature does not match\)\. Check the auth mode and secret/],
  [403, problem(403, 'Forbidden', 'bob@example.com is not allowed'), /not allowed to use the service \(403: bob@example.com is not allowed\)/],
  [404, problem(404, 'Not Found', 'no route'), /has no \/v1\/lookup \(404\)/],
  [413, problem(413, 'Payload Too Large', 'at most 10000 per request', 'queries'), /Too much data for one request \(413: at most 10000 per request \(field: queries\)\)/],
  [422, problem(422, 'Validation error', 'must be a list of strings', 'queries'), /^Validation error \(422\): must be a list of strings \(field: queries\)$/],
  [400, { code: 400, headers: {}, body: '<html><body><h1>Bad Request</h1></body></html>' }, /^Bad request \(400\): Bad Request$/],
];

for (const [status, response, message] of ERROR_CASES) {
  test(`${status} is not retried and becomes a readable message`, () => {
    const p = project();
    p.fakes.UrlFetchApp.handler = () => response;
    assert.throws(() => p.call('lookupQueries_', ['SW1A 1AA'], {}, p.services()), (err) => {
      assert.match(err.message, message);
      assert.equal(err.status, status);
      return true;
    });
    assert.equal(p.fakes.UrlFetchApp.requests.length, 1);
    assert.deepEqual(p.fakes.Utilities.sleeps, []);
  });
}

test('500 then 200: retried after 1 s with a fresh signature and nonce, answer returned', () => {
  const p = project();
  let n = 0;
  p.fakes.UrlFetchApp.handler = (req) => (++n === 1 ? problem(500, 'Internal Server Error', 'unexpected error') : lookupAnswer(req));
  const out = plain(p.call('lookupQueries_', ['SW1A 1AA'], {}, p.services()));
  assert.equal(out[0].distributor_id, 12);
  assert.deepEqual(p.fakes.Utilities.sleeps, [1000]);
  const [a, b] = p.fakes.UrlFetchApp.requests;
  // The clock moved 1 s during the sleep: the second request carries its own timestamp.
  assert.equal(Number(b.headers['X-Gbess-Timestamp']) - Number(a.headers['X-Gbess-Timestamp']), 1);
  assert.notEqual(a.headers['X-Gbess-Signature'], b.headers['X-Gbess-Signature']);
  assert.notEqual(a.headers['X-Gbess-Nonce'], b.headers['X-Gbess-Nonce']);
});

test('429 honours Retry-After; 503 keeps failing → gives up after 4 attempts (1+2+4 s slept)', () => {
  const p = project();
  let n = 0;
  p.fakes.UrlFetchApp.handler = (req) => (++n === 1 ? { code: 429, headers: { 'Retry-After': '3' }, body: '' } : lookupAnswer(req));
  p.call('lookupQueries_', ['SW1A 1AA'], {}, p.services());
  assert.deepEqual(p.fakes.Utilities.sleeps, [3000]);

  const q = project();
  q.fakes.UrlFetchApp.handler = () => problem(503, 'Service Unavailable', 'warehouse busy');
  assert.throws(() => q.call('lookupQueries_', ['SW1A 1AA'], {}, q.services()),
    /GbessError: Service Unavailable \(503\): warehouse busy \(after 4 attempts\)$/);
  assert.equal(q.fakes.UrlFetchApp.requests.length, 4);
  assert.deepEqual(q.fakes.Utilities.sleeps, [1000, 2000, 4000]);
});

test('a Retry-After beyond the sleep budget stops retrying at once', () => {
  const p = project();
  p.fakes.UrlFetchApp.handler = () => ({ code: 429, headers: { 'Retry-After': '120' }, body: '' });
  assert.throws(() => p.call('lookupQueries_', ['SW1A 1AA'], {}, p.services()), /GbessError: Too many requests \(429\)$/);
  assert.equal(p.fakes.UrlFetchApp.requests.length, 1);
  assert.deepEqual(p.fakes.Utilities.sleeps, []);
});

test('custom-function calls keep within 30 s: at most 3 attempts and 4 s of sleep', () => {
  const p = project();
  p.fakes.UrlFetchApp.handler = () => problem(502, 'Bad Gateway', 'upstream');
  const opts = p.eval('CUSTOM_FUNCTION_CALL_');
  assert.throws(() => p.call('lookupQueries_', ['SW1A 1AA'], opts, p.services()), /after 3 attempts/);
  assert.deepEqual(p.fakes.Utilities.sleeps, [500, 1000]);
});

test('timeouts and refused connections: retried from menus, not from custom functions', () => {
  const p = project();
  let n = 0;
  p.fakes.UrlFetchApp.handler = (req) => {
    if (++n === 1) throw new Error('Exception: Timeout: https://gbess.example.run.app/v1/lookup');
    return lookupAnswer(req);
  };
  assert.equal(plain(p.call('lookupQueries_', ['SW1A 1AA'], {}, p.services())).length, 1);
  assert.equal(n, 2);

  const q = project();
  q.fakes.UrlFetchApp.handler = () => { throw new Error('Exception: Timeout: https://gbess.example.run.app/v1/lookup'); };
  assert.throws(() => q.call('lookupQueries_', ['SW1A 1AA'], q.eval('CUSTOM_FUNCTION_CALL_'), q.services()),
    /GbessError: Could not reach the service at https:\/\/gbess\.example\.run\.app\/v1\/lookup: Timeout: /);
  assert.equal(q.fakes.UrlFetchApp.requests.length, 1);
});

test('malformed answers: HTML with 200, and a results list of the wrong length', () => {
  const p = project();
  p.fakes.UrlFetchApp.handler = () => ({ code: 200, headers: { 'Content-Type': 'text/html' }, body: '<html><title>Sign in</title></html>' });
  assert.throws(() => p.call('lookupQueries_', ['SW1A 1AA'], {}, p.services()), /answered \/v1\/lookup with something that is not JSON: "Sign in"/);

  const q = project();
  q.fakes.UrlFetchApp.handler = () => json({ results: [] });
  assert.throws(() => q.call('lookupQueries_', ['SW1A 1AA', 'EC1A 1BB'], {}, q.services()), /0 results for 2 queries/);
  const r = project();
  r.fakes.UrlFetchApp.handler = () => json({ answers: [] });
  assert.throws(() => r.call('lookupQueries_', ['SW1A 1AA'], {}, r.services()), /no "results" list/);
});

test('duplicates are sent once and mapped back in order', () => {
  const p = project();
  p.fakes.UrlFetchApp.handler = lookupAnswer;
  const out = plain(p.call('lookupQueries_', ['A1 1AA', 'B2 2BB', 'A1 1AA'], {}, p.services()));
  assert.deepEqual(JSON.parse(p.fakes.UrlFetchApp.requests[0].payload).queries, ['A1 1AA', 'B2 2BB']);
  assert.deepEqual(out.map((r) => r.query), ['A1 1AA', 'B2 2BB', 'A1 1AA']);
});

test('GET /health sends no auth headers and no payload', () => {
  const p = project();
  p.fakes.UrlFetchApp.handler = () => json({ status: 'ok', version: '0.1.0' });
  const out = plain(p.call('callService_', 'get', '/health', null, { auth: 'none' }, p.services()));
  assert.equal(out.version, '0.1.0');
  const [req] = p.fakes.UrlFetchApp.requests;
  assert.equal(req.method, 'GET');
  assert.equal(req.payload, '');
  assert.equal(req.headers['X-Gbess-Signature'], undefined);
});
