'use strict';
// Starts the real gbess server (`gbess serve`, from the repo's .venv) on loopback with a
// test secret, and gives the fake UrlFetchApp a synchronous HTTP transport to it —
// UrlFetchApp.fetch blocks, so the request is made by a child process (spawnSync).

const fs = require('node:fs');
const net = require('node:net');
const os = require('node:os');
const path = require('node:path');
const { spawn, spawnSync } = require('node:child_process');

const REPO = path.resolve(__dirname, '..', '..');
const VENV_BIN = path.join(REPO, '.venv', 'bin');

/** The child's program: one HTTP request from stdin JSON, the answer as stdout JSON. */
const CLIENT = `
const http = require('node:http');
let input = '';
process.stdin.on('data', (d) => { input += d; });
process.stdin.on('end', () => {
  const r = JSON.parse(input);
  const body = Buffer.from(r.payload || '', 'utf8');
  const headers = Object.assign({}, r.headers);
  if (body.length) headers['Content-Length'] = body.length;
  const req = http.request(r.url, { method: r.method, headers }, (res) => {
    const chunks = [];
    res.on('data', (c) => chunks.push(c));
    res.on('end', () => process.stdout.write(JSON.stringify({
      code: res.statusCode, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') })));
  });
  req.on('error', (e) => { process.stdout.write(JSON.stringify({ error: e.code || e.message })); });
  req.end(body);
});`;

/**
 * A UrlFetchApp handler doing real HTTP, synchronously.
 * @param {number} timeoutMs Like Apps Script's fetch deadline: past it, throw "Timeout".
 */
function syncHttpHandler(timeoutMs = 20000) {
  return (request) => {
    const r = spawnSync(process.execPath, ['-e', CLIENT], {
      input: JSON.stringify({ url: request.url, method: request.method, headers: request.headers, payload: request.payload }),
      encoding: 'utf8',
      timeout: timeoutMs,
      maxBuffer: 64 * 1024 * 1024,
    });
    if (r.error && r.error.code === 'ETIMEDOUT') throw new Error(`Exception: Timeout: ${request.url}`);
    if (r.status !== 0) throw new Error(`Exception: fetch child failed: ${r.stderr}`);
    const answer = JSON.parse(r.stdout);
    if (answer.error) throw new Error(`Exception: ${answer.error}: ${request.url}`);
    return answer;
  };
}

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

async function waitForHealth(url, child, deadlineMs) {
  const end = Date.now() + deadlineMs;
  let last = '';
  while (Date.now() < end) {
    if (child.exitCode !== null) throw new Error(`server exited with ${child.exitCode}`);
    try {
      const res = await fetch(`${url}/health`);
      if (res.ok) return res.json();
      last = `HTTP ${res.status}`;
    } catch (e) {
      last = e.message;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`server not healthy in ${deadlineMs} ms: ${last}`);
}

/**
 * Starts `gbess serve` (gunicorn serving server.app:create_app()) on 127.0.0.1.
 * @param {string} secret GBESS_HMAC_SECRET.
 * @return {Promise<{url: string, health: object, stop: function(): Promise<void>, log: function(): string}>}
 */
async function startServer(secret) {
  const gbess = path.join(VENV_BIN, 'gbess');
  if (!fs.existsSync(gbess)) {
    throw new Error(`${gbess} not found: run make test (it creates .venv) first`);
  }
  const port = await freePort();
  const varDir = fs.mkdtempSync(path.join(os.tmpdir(), 'gbess-e2e-'));
  const env = Object.assign({}, process.env, {
    GBESS_HMAC_SECRET: secret,
    GBESS_AUTH: 'hmac',
    GBESS_HOST: '127.0.0.1',
    PORT: String(port),
    GBESS_DATA_DIR: process.env.GBESS_DATA_DIR || path.resolve(REPO, '..', 'shared', 'data'),
    GBESS_VAR_DIR: varDir,
    GBESS_WAREHOUSE: 'duckdb',
  });
  // The embedded warehouse (DuckDB under the temporary var dir), seeded from the
  // shipped market files, as `make run` does.
  const seed = spawnSync(path.join(VENV_BIN, 'gbess'), ['warehouse', 'seed'], { cwd: REPO, env, encoding: 'utf8', timeout: 60000 });
  if (seed.status !== 0) throw new Error(`gbess warehouse seed failed: ${seed.stderr}`);
  env.GBESS_WORKERS = '1';
  env.GBESS_THREADS = '2';
  // `gbess serve` runs gunicorn as its child: start it in its own process group so
  // stop() ends both (by that group's id).
  const child = spawn(gbess, ['serve', '--host', '127.0.0.1', '--port', String(port)],
    { cwd: REPO, env, stdio: ['ignore', 'ignore', 'pipe'], detached: true });
  let stderr = '';
  child.stderr.on('data', (d) => { stderr += d; });
  const url = `http://127.0.0.1:${port}`;
  let health;
  try {
    health = await waitForHealth(url, child, 20000);
  } catch (e) {
    process.kill(-child.pid, 'SIGTERM');
    throw new Error(`${e.message}\n${stderr.slice(-2000)}`);
  }
  return {
    url,
    health,
    log: () => stderr,
    stop: () => new Promise((resolve) => {
      if (child.exitCode !== null) { resolve(); return; }
      child.once('exit', () => { fs.rmSync(varDir, { recursive: true, force: true }); resolve(); });
      process.kill(-child.pid, 'SIGTERM');
    }),
  };
}

module.exports = { startServer, syncHttpHandler, REPO, VENV_BIN };
