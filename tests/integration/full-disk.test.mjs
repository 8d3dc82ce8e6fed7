// A full disk is never silent (issue 10, part 1): atriumd's data on a small tmpfs that fills up.
// While the store refuses writes, entries still answer (their rows wait in the batching writer's
// backlog, atrium_store_backlog_rows), every failed write attempt is counted by kind in
// atrium_store_write_failures_total, /readyz answers 503 and atrium_ready is 0; once space is back,
// the backlog is written (nothing lost) and /readyz is green again. Mounting needs root: skipped
// otherwise.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startServer, createApp, connectClient, newRoomId, newUserId, freePort, sleep, runCli } from './lib/harness.mjs';
import { httpGet, scrape, metricSum } from './lib/metrics.mjs';

const isRoot = process.getuid?.() === 0;
let mountDir = null;
let server;

before(async () => {
  if (!isRoot) return;
  mountDir = fs.mkdtempSync(path.join(os.tmpdir(), 'atrium-full-disk-'));
  execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=24m', 'tmpfs', mountDir]);
  server = await startServer({ 'metrics.port': await freePort(), 'media.workers': 1 }, { dir: mountDir });
});

after(async () => {
  await server?.stop({ keep: true });
  if (mountDir) {
    try { execFileSync('umount', [mountDir]); } catch { /* already gone */ }
    fs.rmSync(mountDir, { recursive: true, force: true });
  }
});

// Fills the filesystem with a file until writing fails; returns its path.
function fillDisk(dir) {
  const filler = path.join(dir, 'filler');
  const fd = fs.openSync(filler, 'w');
  const chunk = Buffer.alloc(256 * 1024, 0x5a);
  try {
    for (;;) fs.writeSync(fd, chunk);
  } catch (e) {
    assert.equal(e.code, 'ENOSPC', e.message);
  }
  // Small writes too, so not even a page is left.
  try { for (;;) fs.writeSync(fd, Buffer.alloc(512, 0x5a)); } catch { /* full */ }
  fs.closeSync(fd);
  return filler;
}

const failures = async (write) => metricSum((await scrape(server.metricsPort)).samples, 'atrium_store_write_failures_total', { write });

test('a full disk: entries answer, lost rows are counted, /readyz is red until space is back', { skip: !isRoot && 'needs root to mount a tmpfs', timeout: 90000 }, async () => {
  const app = await createApp(server);
  const roomId = newRoomId();
  await (await connectClient(server, 'before')).enterOk(app, newUserId('disk_before'), { roomId });
  assert.equal((await httpGet(server.metricsPort, '/readyz')).status, 200);
  assert.equal(await failures('entry'), 0);

  const filler = fillDisk(mountDir);
  // Entries keep working (the app comes from the daemon's cache); their log rows and room events
  // wait in the backlog, and the failed attempts to write them are counted.
  let entered = 0;
  for (let i = 0; i < 5; ++i) {
    const c = await connectClient(server, `full${i}`);
    const r = await c.enter(app, newUserId('disk_full'), { roomId: newRoomId() });
    if (r.ok) ++entered;
  }
  assert.ok(entered > 0, 'entries still answer while the disk is full');
  let lost = 0;
  for (let i = 0; i < 50 && lost === 0; ++i) { lost = await failures('entry'); if (!lost) await sleep(100); }
  assert.ok(lost > 0, 'lost entry rows are counted');
  assert.ok(await failures('room_event') > 0, 'lost room events are counted');
  const red = await httpGet(server.metricsPort, '/readyz');
  assert.equal(red.status, 503);
  assert.match(red.text, /store writes are failing/);
  assert.equal(metricSum((await scrape(server.metricsPort)).samples, 'atrium_ready'), 0);
  assert.equal(metricSum((await scrape(server.metricsPort)).samples, 'atrium_store_writes_failing'), 1);
  assert.ok(metricSum((await scrape(server.metricsPort)).samples, 'atrium_store_backlog_rows') > 0, 'rows wait in the backlog');

  // Space is back: the next entry is written, and the node is ready again.
  fs.rmSync(filler);
  const users = ['disk_after1', 'disk_after2', 'disk_after3'];
  for (const u of users) await (await connectClient(server, u)).enterOk(app, newUserId(u), { roomId: newRoomId() });
  let status = 0;
  for (let i = 0; i < 50 && status !== 200; ++i) {
    status = (await httpGet(server.metricsPort, '/readyz')).status;
    if (status !== 200) {
      await (await connectClient(server, `after${i}`)).enter(app, newUserId('disk_more'), { roomId: newRoomId() });
      await sleep(100);
    }
  }
  assert.equal(status, 200, '/readyz is green again once writes succeed');
  // The backlog was written: the entries made while the disk was full are in the log.
  const samples = (await scrape(server.metricsPort)).samples;
  assert.equal(metricSum(samples, 'atrium_store_backlog_rows'), 0);
  assert.equal(metricSum(samples, 'atrium_store_backlog_dropped_total'), 0);
  const logged = JSON.parse(await runCli(server, ['entries', '--app', String(app.sdkAppId), '--json']));
  assert.ok(logged.filter((e) => e.user.startsWith('di')).length >= 1 + entered + users.length, `entries kept: ${logged.length}`);
  assert.ok(server.isRunning());
});
