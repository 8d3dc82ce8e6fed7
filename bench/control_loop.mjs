// Control-loop latency under storage load (issue 10): p50/p99 of enterRoom, measured by real
// WebSocket clients against a real atriumd, while
//   sla   DescribeSlaReport runs back to back over 1 M entry rows (SQLite),
//   lock  another process (the sqlite3 shell) holds the SQLite write lock for 3 s of every 4,
//   pg    the store is PostgreSQL behind a proxy that adds 1 ms each way (2 ms round trip),
//   idle  nothing else (the reference).
// Entries are open-loop: one every 1000/rate ms, each on a new connection and into a
// new room (the costly case: room created, callbacks, room and session rows) and followed by an
// exitRoom, so a stalled loop shows up as latency instead of as fewer samples.
//   node bench/control_loop.mjs --scenario sla [--seconds 20] [--rate 20]
// ATRIUMD / ATRIUM_CLI pick the binaries (the harness's defaults otherwise); pg needs
// ATRIUM_TEST_PG_DSN (run it under scripts/with-postgres). bench/control-loop.sh runs them all.
import { spawn, execFileSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  startServer, createApp, createApiKey, connectClient, newUserId, sleep, closeAllClients,
} from '../tests/integration/lib/harness.mjs';
import { rawApiRequest, envelopeCode } from '../tests/integration/lib/trtc-api.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const opt = { scenario: 'idle', seconds: 20, rate: 20, rows: 1_000_000 };
for (let i = 2; i < process.argv.length; i += 2) {
  const k = process.argv[i].replace(/^--/, '');
  opt[k] = k === 'scenario' ? process.argv[i + 1] : Number(process.argv[i + 1]);
}

const percentile = (sorted, p) => sorted.length ? sorted[Math.min(sorted.length - 1, Math.ceil(p / 100 * sorted.length) - 1)] : NaN;

// The month before the current one (UTC): a whole service month, as DescribeSlaReport reads it.
function previousMonth() {
  const now = new Date();
  const start = Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - 1, 1);
  const end = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1);
  const d = new Date(start);
  return { start, end, text: `${d.getUTCFullYear()}-${String(d.getUTCMonth() + 1).padStart(2, '0')}` };
}

function sqlite(db, script) {
  return execFileSync('sqlite3', ['-cmd', '.timeout 30000', db], { input: script, encoding: 'utf8' });
}

async function startProxy(target, delayMs) {
  const child = spawn(process.execPath, [path.join(here, 'delay_proxy.mjs'), '--listen', '0', '--target', target,
    '--delay-ms', String(delayMs)], { stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise((resolve, reject) => {
    child.stdout.once('data', (d) => resolve(Number(String(d).trim())));
    child.once('exit', (code) => reject(new Error(`delay proxy exited ${code}`)));
  });
  return { child, port };
}

async function main() {
  const flags = {
    'media.workers': 1, 'server.log_level': 'warn',
    'api.requests_per_second': 1_000_000, 'api.burst': 1_000_000,
  };
  let proxy = null;
  if (opt.scenario === 'pg') {
    const dsn = process.env.ATRIUM_TEST_PG_DSN;
    if (!dsn) throw new Error('pg: run under scripts/with-postgres (ATRIUM_TEST_PG_DSN)');
    const host = /host=(\S+)/.exec(dsn)[1];
    const port = /port=(\d+)/.exec(dsn)[1];
    proxy = await startProxy(`${host}:${port}`, 1);
    flags['store.engine'] = 'postgres';
    flags['store.dsn'] = dsn.replace(/host=\S+/, 'host=127.0.0.1').replace(/port=\d+/, `port=${proxy.port}`);
  }
  const server = await startServer(flags);
  const db = path.join(server.dir, 'atrium.db');
  const app = await createApp(server, { maxRooms: 1_000_000 });
  const month = previousMonth();
  const background = [];
  let stopBackground = false;
  let slaReports = 0, slaMs = [], lockCycles = 0;

  if (opt.scenario === 'sla') {
    const t0 = Date.now();
    const step = Math.floor((month.end - month.start) / opt.rows);
    sqlite(db, `WITH RECURSIVE c(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM c WHERE i < ${opt.rows - 1})
      INSERT INTO entry_events (time_ms, sdk_app_id, room, masked_user_id, masked_ip, success, cause, error_code)
      SELECT ${month.start} + i * ${step}, ${app.sdkAppId}, 'r' || (i % 500), 'us****' || (i % 97), '203.0.113.*',
             CASE WHEN i % 1000 = 0 THEN 0 ELSE 1 END, CASE WHEN i % 1000 = 0 THEN 'service' ELSE 'none' END,
             CASE WHEN i % 1000 = 0 THEN 'INTERNAL' ELSE '' END FROM c;`);
    console.error(`seeded ${opt.rows} entry rows of ${month.text} in ${Date.now() - t0} ms`);
    const key = await createApiKey(server, app);
    await sleep(1000);  // the new key reaches a daemon that caches keys
    background.push((async () => {
      while (!stopBackground) {
        const t = performance.now();
        const res = await rawApiRequest(server, { action: 'DescribeSlaReport', key, timeoutMs: 120000,
          body: { SdkAppId: app.sdkAppId, Month: month.text } });
        const code = envelopeCode(res, 'DescribeSlaReport');
        if (code) throw new Error(`DescribeSlaReport failed: ${code} ${res.text.slice(0, 200)}`);
        slaMs.push(performance.now() - t);
        ++slaReports;
      }
    })());
  } else if (opt.scenario === 'lock') {
    background.push((async () => {
      while (!stopBackground) {
        // The sqlite3 shell takes the write lock, keeps it 3 s, commits; the daemon's busy timeout is 5 s.
        await new Promise((resolve, reject) => {
          const c = spawn('sqlite3', [db], { stdio: ['pipe', 'ignore', 'inherit'] });
          c.stdin.end(".timeout 10000\nBEGIN IMMEDIATE;\nINSERT INTO store_meta (name, value) VALUES ('bench-lock', x'00') " +
                      "ON CONFLICT (name) DO UPDATE SET value = x'01';\n.shell sleep 3\nCOMMIT;\n");
          c.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`sqlite3 exited ${code}`))));
        });
        ++lockCycles;
        await sleep(1000);
      }
    })());
  }

  // A new connection per entry (a connection that idles unauthenticated is closed by the server):
  // only the enterRoom request itself is timed.
  const latencies = [];
  let failed = 0, connectFailed = 0;
  const inFlight = new Set();
  const enterOnce = async () => {
    let c;
    try { c = await connectClient(server, 'bench', {}); } catch { ++connectFailed; return; }
    const user = newUserId('bench');
    const t = performance.now();
    const r = await c.request('enterRoom', c.enterData(app, user, { roomId: 1 + Math.floor(Math.random() * 4e9) }), { timeoutMs: 30000 });
    latencies.push(performance.now() - t);
    if (!r.ok) { ++failed; if (failed < 4) console.error('enterRoom failed:', JSON.stringify(r.error)); }
    else await c.request('exitRoom', undefined, { timeoutMs: 30000 });
    await c.close();
  };
  // Warm-up, then the measured window.
  for (let i = 0; i < 10; ++i) await enterOnce();
  latencies.length = 0;
  const interval = 1000 / opt.rate;
  const start = performance.now();
  for (let n = 0; performance.now() - start < opt.seconds * 1000; ++n) {
    const due = start + n * interval;
    const wait = due - performance.now();
    if (wait > 0) await sleep(wait);
    const p = enterOnce().finally(() => inFlight.delete(p));
    inFlight.add(p);
  }
  await Promise.all(inFlight);
  stopBackground = true;
  await Promise.all(background);
  await closeAllClients();
  await server.stop();
  proxy?.child.kill();

  const sorted = [...latencies].sort((a, b) => a - b);
  const result = {
    scenario: opt.scenario, binary: process.env.ATRIUMD ?? 'default', samples: sorted.length, failed, connectFailed,
    p50Ms: +percentile(sorted, 50).toFixed(2), p99Ms: +percentile(sorted, 99).toFixed(2),
    maxMs: +sorted[sorted.length - 1].toFixed(2),
  };
  if (opt.scenario === 'sla') {
    const s = [...slaMs].sort((a, b) => a - b);
    Object.assign(result, { slaReports, slaReportP50Ms: Math.round(percentile(s, 50)) });
  }
  if (opt.scenario === 'lock') result.lockCycles = lockCycles;
  console.log(JSON.stringify(result));
}

main().catch((e) => { console.error(e); process.exit(1); });
