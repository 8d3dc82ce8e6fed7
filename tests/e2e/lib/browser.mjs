// Headless Chromium for the browser end-to-end tests: Debian's /usr/bin/chromium driven by
// playwright-core (no browser is downloaded). See shared/design/environment.md, "Browser tests".
//
//   const b = await launchBrowser({ name: 'alice', certPem: server.ca });
//   const page = await b.openPage(`https://127.0.0.1:${server.port}/`);
//   await waitInPage(page, () => document.querySelectorAll('.tile').length === 2, null, { what: 'two tiles' });
//   ...
//   await closeAllBrowsers();   // in after(): closes gracefully, then kills the process groups
//
// Each launchBrowser() is its own Chromium process with its own temporary profile (a persistent
// context), so two of them are two independent users. Every wait here is bounded.
//
// Run the tests that use this inside a network namespace with only `lo` (e2e/run-in-netns.sh).
import { chromium } from 'playwright-core';
import { X509Certificate, createHash } from 'node:crypto';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

export const CHROMIUM = process.env.ATRIUM_CHROMIUM || '/usr/bin/chromium';

// The flags of environment.md. The fake devices give getUserMedia a test pattern and a beep
// without a permission prompt; loopback candidates are allowed for the in-namespace peers.
export const CHROMIUM_ARGS = [
  '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
  '--disable-component-update', '--disable-sync', '--use-fake-device-for-media-stream',
  '--use-fake-ui-for-media-stream', '--allow-loopback-in-peer-connection',
];

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** base64(SHA-256(SubjectPublicKeyInfo DER)) of the first certificate in a PEM (string or Buffer). */
export function spkiHash(pem) {
  const der = new X509Certificate(pem).publicKey.export({ type: 'spki', format: 'der' });
  return createHash('sha256').update(der).digest('base64');
}

/** Whether the browser can run here at all (for a clean skip rather than a confusing failure). */
export function browserAvailable() {
  try { fs.accessSync(CHROMIUM, fs.constants.X_OK); return true; } catch { return false; }
}

/** Rejects with a message naming `what` if `promise` does not settle within timeoutMs. */
export function withTimeout(promise, timeoutMs, what) {
  let timer;
  const t = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${timeoutMs} ms: ${what}`)), timeoutMs);
  });
  return Promise.race([promise, t]).finally(() => clearTimeout(timer));
}

/**
 * Calls fn() every intervalMs until it returns a truthy value (returned) or timeoutMs passes
 * (throws, with the last value or error). fn may be async; each call is bounded too.
 */
export async function poll(fn, { timeoutMs = 5000, intervalMs = 50, what = 'condition' } = {}) {
  const deadline = Date.now() + timeoutMs;
  let last;
  let lastError;
  for (;;) {
    // Each call gets at least 500 ms, so a slow last call near the deadline still tells its value.
    const left = deadline - Date.now();
    try {
      last = await withTimeout(Promise.resolve().then(fn), Math.max(left, 500), what);
      lastError = undefined;
      if (last) return last;
    } catch (e) { lastError = e; }
    if (Date.now() >= deadline) {
      const detail = `last value: ${JSON.stringify(last)}${lastError ? `, last error: ${lastError.message}` : ''}`;
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what} (${detail})`);
    }
    await sleep(Math.min(intervalMs, Math.max(deadline - Date.now(), 0)));
  }
}

/** page.evaluate(fn, arg) with a deadline (a page stuck in an await would otherwise hang the test). */
export function evaluate(page, fn, arg, { timeoutMs = 10000, what = 'page.evaluate' } = {}) {
  return withTimeout(page.evaluate(fn, arg), timeoutMs, what);
}

/** Polls fn(arg) in the page until truthy; returns its (JSON-serializable) value. */
export function waitInPage(page, fn, arg, { timeoutMs = 5000, intervalMs = 50, what = 'page condition' } = {}) {
  return poll(() => page.evaluate(fn, arg), { timeoutMs, intervalMs, what });
}

// ---------------------------------------------------------------------------------------------
// Processes

function readProc(pid, file) {
  try { return fs.readFileSync(`/proc/${pid}/${file}`); } catch { return null; }
}

/** Pids of the processes whose command line has exactly `arg` (our unique --user-data-dir). */
function pidsWithArg(arg) {
  const out = [];
  let entries = [];
  try { entries = fs.readdirSync('/proc'); } catch { return out; }
  for (const e of entries) {
    if (!/^\d+$/.test(e)) continue;
    const cmd = readProc(e, 'cmdline');
    if (cmd && cmd.toString('utf8').split('\0').includes(arg)) out.push(Number(e));
  }
  return out;
}

function pgidOf(pid) {
  const stat = readProc(pid, 'stat');
  if (!stat) return null;
  // "pid (comm) state ppid pgrp ...": comm may contain spaces, so split after the last ')'.
  const fields = stat.toString('utf8').slice(stat.lastIndexOf(')') + 2).split(' ');
  return Number(fields[2]);
}

function killQuietly(pid, signal) {
  try { process.kill(pid, signal); return true; } catch { return false; }
}

// ---------------------------------------------------------------------------------------------
// Browsers

const liveBrowsers = new Set();

/**
 * Launches one Chromium with a fresh profile. opts:
 *   name      label used in messages
 *   certPem   the server's (self-signed) certificate: its key is trusted through
 *             --ignore-certificate-errors-spki-list (no blanket certificate ignore)
 *   args      extra Chromium flags
 * Returns a handle: {name, context, userDataDir, pid, consoleErrors, pageErrors, openPage(url),
 * close(), kill()}.
 */
export async function launchBrowser({ name = 'browser', certPem, args = [], launchTimeoutMs = 30000 } = {}) {
  const userDataDir = await fsp.mkdtemp(path.join(os.tmpdir(), `atrium-e2e-${name}-`));
  const allArgs = [...CHROMIUM_ARGS, ...args];
  if (certPem) allArgs.push(`--ignore-certificate-errors-spki-list=${spkiHash(certPem)}`);

  const handle = {
    name, userDataDir, context: null, pid: null, pgid: null,
    consoleErrors: [],   // {page, text, location}
    pageErrors: [],      // uncaught exceptions: {page, message}
    consoleLog: [],      // every console message, for diagnostics: "type: text"
    closed: false,
  };
  liveBrowsers.add(handle);

  try {
    handle.context = await chromium.launchPersistentContext(userDataDir, {
      executablePath: CHROMIUM, headless: true, args: allArgs, timeout: launchTimeoutMs,
      viewport: { width: 1100, height: 800 },
    });
  } catch (e) {
    await closeHandle(handle);
    throw e;
  }
  const main = pidsWithArg(`--user-data-dir=${userDataDir}`).sort((a, b) => a - b)[0] ?? null;
  handle.pid = main;
  handle.pgid = main ? pgidOf(main) : null;

  const { context } = handle;
  context.setDefaultTimeout(10000);
  context.setDefaultNavigationTimeout(15000);
  let pageNo = 0;
  const watch = (page) => {
    const label = `${name}#${++pageNo}`;
    page.on('console', (m) => {
      handle.consoleLog.push(`${label} ${m.type()}: ${m.text()}`);
      if (m.type() === 'error') handle.consoleErrors.push({ page: label, text: m.text(), location: m.location() });
    });
    page.on('pageerror', (err) => handle.pageErrors.push({ page: label, message: err.message }));
  };
  context.pages().forEach(watch);
  context.on('page', watch);

  const used = new WeakSet();
  handle.openPage = async (url, { waitUntil = 'load' } = {}) => {
    // The persistent context starts with one blank tab: use it for the first page.
    const blank = context.pages().find((p) => p.url() === 'about:blank' && !used.has(p));
    const page = blank ?? await context.newPage();
    used.add(page);
    await page.goto(url, { waitUntil });
    return page;
  };
  handle.close = () => closeHandle(handle);
  handle.kill = () => killHandle(handle);
  return handle;
}

// Kills the browser's process group and any stray process of its profile, by pid. Synchronous.
function killHandle(handle) {
  if (handle.pgid && handle.pgid > 1 && handle.pgid === handle.pid) killQuietly(-handle.pgid, 'SIGKILL');
  if (handle.pid) killQuietly(handle.pid, 'SIGKILL');
  for (const pid of pidsWithArg(`--user-data-dir=${handle.userDataDir}`)) killQuietly(pid, 'SIGKILL');
}

// Graceful close (bounded), then the kill as a backstop, then the profile is removed.
async function closeHandle(handle) {
  if (handle.closed) return;
  handle.closed = true;
  if (handle.context) {
    try { await withTimeout(handle.context.close(), 5000, `closing browser ${handle.name}`); } catch { /* killed below */ }
  }
  killHandle(handle);
  // Wait (bounded) until the processes are gone so that the profile can be removed.
  const deadline = Date.now() + 3000;
  while (Date.now() < deadline && pidsWithArg(`--user-data-dir=${handle.userDataDir}`).length) await sleep(50);
  liveBrowsers.delete(handle);
  await fsp.rm(handle.userDataDir, { recursive: true, force: true, maxRetries: 3 }).catch(() => {});
}

/** Closes every browser this process launched (use in after()). Never throws. */
export async function closeAllBrowsers() {
  await Promise.all([...liveBrowsers].map((h) => closeHandle(h).catch(() => {})));
}

// A crash or an unhandled failure of the test process must not leave Chromium running.
process.on('exit', () => { for (const h of liveBrowsers) killHandle(h); });

/** Screenshot of a page to a file (bounded); returns the path. */
export async function screenshot(page, file) {
  await withTimeout(page.screenshot({ path: file, fullPage: true }), 10000, `screenshot ${file}`);
  return file;
}
