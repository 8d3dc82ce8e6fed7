// A real redis-server for the tests that need shared sessions: on a free loopback port, with no
// persistence, stopped by PID. Outside CI a machine without redis-server skips those tests.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import { freePort, sleep } from './harness.mjs';

export const REDIS_SERVER = '/usr/bin/redis-server';

// The reason to skip, or false (under CI a missing server is a failure, not a skip).
export function redisSkipReason() {
  if (fs.existsSync(REDIS_SERVER)) return false;
  if (process.env.CI) throw new Error(`${REDIS_SERVER} is missing under CI (.ci/run installs redis-server)`);
  return 'redis-server is not installed';
}

function ping(port) {
  return new Promise((resolve) => {
    const s = net.connect({ host: '127.0.0.1', port }, () => s.write('PING\r\n'));
    s.setTimeout(500, () => { s.destroy(); resolve(false); });
    s.on('data', (d) => { s.destroy(); resolve(d.toString().startsWith('+PONG')); });
    s.on('error', () => resolve(false));
  });
}

// Starts redis-server (again on `port` when given) and waits until it answers PING.
export async function startRedis({ port } = {}) {
  port ??= await freePort();
  const child = spawn(REDIS_SERVER, ['--bind', '127.0.0.1', '--port', String(port), '--save', '', '--appendonly', 'no',
    '--loglevel', 'warning'], { stdio: 'ignore' });
  const exited = new Promise((r) => child.once('exit', r));
  for (let i = 0; i < 200; i++) {
    if (await ping(port)) {
      return {
        port,
        url: `redis://127.0.0.1:${port}`,
        async stop() {
          if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
          await exited;
        },
      };
    }
    await sleep(25);
  }
  child.kill('SIGKILL');
  throw new Error(`redis-server did not answer on port ${port}`);
}

// One command; resolves with the raw reply (enough for status and integer replies).
export function redisCall(port, ...args) {
  const resp = `*${args.length}\r\n${args.map((a) => `$${Buffer.byteLength(String(a))}\r\n${a}\r\n`).join('')}`;
  return new Promise((resolve, reject) => {
    const s = net.connect({ host: '127.0.0.1', port }, () => s.write(resp));
    s.setTimeout(1000, () => { s.destroy(); reject(new Error('redis did not answer')); });
    s.on('data', (d) => { s.destroy(); resolve(d.toString()); });
    s.on('error', reject);
  });
}

// How many keys match `pattern`.
export async function redisKeyCount(port, pattern) {
  const reply = await redisCall(port, 'EVAL', "return #redis.call('KEYS', ARGV[1])", 0, pattern);
  const m = /^:(\d+)/.exec(reply);
  if (!m) throw new Error(`unexpected reply: ${reply}`);
  return Number(m[1]);
}

// Waits until `n` shared sessions are in Redis (saves are asynchronous: a crash a few ms after an
// entry may lose that session's record, and its client then enters again).
export async function waitForSharedSessions(redis, n, timeoutMs = 5000) {
  const deadline = Date.now() + timeoutMs;
  while ((await redisKeyCount(redis.port, 'atrium:session:*')) !== n) {
    if (Date.now() > deadline) throw new Error(`not ${n} shared sessions in Redis within ${timeoutMs} ms`);
    await sleep(20);
  }
}
