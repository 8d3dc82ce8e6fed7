// A CLI holding SQLite's write lock does not stall signaling (issue 10, part 1). Before, every
// enterRoom wrote its rows on the control loop and waited out the lock (up to the 5 s busy
// timeout), and with it every other client. Now the rows wait in the batching writer's backlog
// (atrium_store_backlog_rows) and are written once the lock is released.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import {
  ATRIUM_CLI, startServer, createApp, runCli, connectClient, newRoomId, newUserId, freePort, sleep,
} from './lib/harness.mjs';
import { httpGet, scrape, metricSum } from './lib/metrics.mjs';

let server;
before(async () => { server = await startServer({ 'metrics.port': await freePort(), 'media.workers': 1 }); });
after(() => server?.stop());

// `atrium hold-write-lock` (a test hook of the CLI): resolves once the CLI holds the lock, with
// { exited }, a promise of its exit code (wrapped: an async function returning a promise would
// wait for it).
async function holdWriteLock(ms) {
  const child = spawn(ATRIUM_CLI, [`--server.data_dir=${server.dir}`, 'hold-write-lock', '--ms', String(ms)],
    { stdio: ['ignore', 'pipe', 'inherit'] });
  const exited = new Promise((resolve) => child.on('exit', (code) => resolve(code)));
  await new Promise((resolve, reject) => {
    child.stdout.on('data', (d) => { if (String(d).includes('holding')) resolve(); });
    child.on('exit', (code) => reject(new Error(`atrium hold-write-lock exited ${code} before holding the lock`)));
  });
  await sleep(200);  // "holding" is printed as the store opens; the transaction begins right after
  return { exited };
}

test('enterRoom answers at once while a CLI holds the write lock; the rows follow', { timeout: 60000 }, async () => {
  const app = await createApp(server);
  // Warm: the app is known and a room exists, as in a running service.
  await (await connectClient(server, 'warm')).enterOk(app, newUserId('warm'), { roomId: newRoomId() });

  const { exited } = await holdWriteLock(3000);
  const times = [];
  let backlogSeen = 0;
  for (let i = 0; i < 8; ++i) {
    const c = await connectClient(server, `locked${i}`);
    const t = performance.now();
    await c.enterOk(app, newUserId('locked'), { roomId: newRoomId() });
    times.push(performance.now() - t);
    backlogSeen = Math.max(backlogSeen, metricSum((await scrape(server.metricsPort)).samples, 'atrium_store_backlog_rows'));
  }
  const slowest = Math.max(...times);
  assert.ok(slowest < 1000, `every entry answered while the lock was held (slowest ${slowest.toFixed(1)} ms; all: ${times.map((x) => x.toFixed(1)).join(', ')})`);
  assert.ok(backlogSeen > 0, 'the rows waited in the backlog: the lock really held the writer back');
  assert.equal(await exited, 0);

  // Released: the backlog is written (nothing lost, nothing failed), and the node stayed ready.
  let entries = [];
  for (let i = 0; i < 40 && entries.length < 9; ++i) {
    entries = JSON.parse(await runCli(server, ['entries', '--app', String(app.sdkAppId), '--json']));
    if (entries.length < 9) await sleep(250);
  }
  assert.equal(entries.length, 9, 'the warm-up entry and the eight made under the lock are logged');
  const samples = (await scrape(server.metricsPort)).samples;
  assert.equal(metricSum(samples, 'atrium_store_backlog_rows'), 0);
  assert.equal(metricSum(samples, 'atrium_store_backlog_dropped_total'), 0);
  assert.equal(metricSum(samples, 'atrium_store_write_failures_total'), 0, 'a 3 s lock is inside the busy timeout: waited, not failed');
  assert.equal((await httpGet(server.metricsPort, '/readyz')).status, 200);
});
