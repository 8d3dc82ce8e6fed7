// Browser end-to-end tests of the demo page and the Web SDK (sdk/web/index.html, sdk/web/atrium.js)
// against a real atriumd, in headless Chromium. Run inside a network namespace with only `lo`:
//
//   cd tests && e2e/run-in-netns.sh node --test --test-reporter=spec e2e/demo-page.test.mjs
//
// (ctest -L e2e does exactly that.) Every wait is bounded; the browsers are killed in after()
// and run-in-netns.sh kills whatever is left in the namespace.
import { describe, test, before, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import os from 'node:os';
import path from 'node:path';
import { startServer, newRoomId, newUserId, sleep } from '../integration/lib/harness.mjs';
import {
  launchBrowser, closeAllBrowsers, browserAvailable, waitInPage, evaluate, screenshot, CHROMIUM,
} from './lib/browser.mjs';
import { sdkPage as sdkPageOf, sdkEnter, sdkEvents, sdkWaitEvent } from './lib/sdk-page.mjs';

const sdkPage = (name, opts = {}) => sdkPageOf(name, { srv: server, ...opts });

const GRACE_MS = 2000;      // signal.session_grace_ms
const HEARTBEAT_MS = 1000;  // signal.heartbeat_interval_ms
// A peer that vanishes is noticed at once when its socket closes (the kernel sends a FIN for a
// killed process) and within 3 heartbeat intervals otherwise; it then leaves after the grace.
const EXIT_BOUND_MS = GRACE_MS + 3 * HEARTBEAT_MS;
const SCREENSHOT = path.join(process.env.ATRIUM_E2E_SCREENSHOT_DIR || os.tmpdir(), 'atrium-e2e-demo-two-participants.png');
const T = { timeout: 60000 };

// Only `lo` may be up: in the default namespace Chrome would use the machine's other address.
const ifaces = Object.keys(os.networkInterfaces());
const skip = !browserAvailable() ? `${CHROMIUM} is not installed (scripts/install-deps installs chromium)`
  : ifaces.some((i) => i !== 'lo') ? `not in an isolated network namespace (interfaces: ${ifaces.join(', ')}); run through e2e/run-in-netns.sh`
    : false;

let server;
let origin;

// Console errors every page may show that say nothing about Atrium: the demo page has no icon.
const benign = (e) => /favicon\.ico/.test(e.location?.url ?? '');

// ---------------------------------------------------------------------------------------------
// Page helpers

// A browser of its own (own process, own profile) for one user, showing the demo page.
async function demoPage(name, userId, roomId) {
  const browser = await launchBrowser({ name, certPem: server.ca });
  const page = await browser.openPage(`${origin}/`);
  await page.fill('#userId', userId);
  await page.fill('#roomId', String(roomId));
  return { browser, page, userId };
}

const logText = (page) => evaluate(page, () => document.getElementById('log').innerText, undefined, { what: 'log text' })
  .catch((e) => `<${e.message}>`);
const tileUsers = (page) => evaluate(page, () => [...document.querySelectorAll('#tiles .tile')].map((t) => t.dataset.user),
  undefined, { what: 'tiles' });

// Waits for a demo-page condition; on timeout the page's log is part of the error.
async function waitDemo(page, fn, arg, what, timeoutMs = 5000) {
  try {
    return await waitInPage(page, fn, arg, { timeoutMs, what });
  } catch (e) {
    e.message += `\n  tiles: ${JSON.stringify(await tileUsers(page).catch(() => null))}\n  page log:\n${await logText(page)}`;
    throw e;
  }
}

async function clickEnter(p) {
  await p.page.click('#enter');
  await waitDemo(p.page, () => document.getElementById('state').textContent === 'CONNECTED'
    && !document.getElementById('exit').disabled, null, `${p.userId} in the room (state CONNECTED)`);
}

const hasTile = (page, user, timeoutMs) => waitDemo(page,
  (u) => [...document.querySelectorAll('#tiles .tile')].some((t) => t.dataset.user === u), user, `tile of ${user}`, timeoutMs);
const lacksTile = (page, user, timeoutMs) => waitDemo(page,
  (u) => ![...document.querySelectorAll('#tiles .tile')].some((t) => t.dataset.user === u), user, `no tile of ${user}`, timeoutMs);
const logHas = (page, text, timeoutMs) => waitDemo(page,
  (s) => document.getElementById('log').innerText.includes(s), text, `log line "${text}"`, timeoutMs);

function assertNoConsoleErrors(...browsers) {
  for (const b of browsers) {
    assert.deepEqual(b.consoleErrors.filter((e) => !benign(e)), [], `${b.name}: console errors`);
    assert.deepEqual(b.pageErrors, [], `${b.name}: uncaught page errors`);
  }
}

// ---------------------------------------------------------------------------------------------

describe('demo page and Web SDK in Chromium', { skip }, () => {
  before(async () => {
    // harness.startServer already listens on 127.0.0.1 (--signal.address=127.0.0.1) with port 0.
    server = await startServer({
      'signal.session_grace_ms': GRACE_MS,
      'signal.heartbeat_interval_ms': HEARTBEAT_MS,
    });
    origin = `https://127.0.0.1:${server.port}`;
  });
  after(async () => {
    await closeAllBrowsers();
    await server?.stop();
    // A test that timed out may leave a pending promise (a page call that never settles) that
    // would keep this process alive until ctest's timeout: exit once the results are out.
    setTimeout(() => process.exit(), 3000).unref();
  });
  afterEach(() => closeAllBrowsers());

  test('two demo pages see each other, exchange a message, and see the exit', T, async () => {
    const roomId = newRoomId();
    const alice = await demoPage('alice', newUserId('alice'), roomId);
    const bob = await demoPage('bob', newUserId('bob'), roomId);

    await clickEnter(alice);
    await clickEnter(bob);
    const t0 = Date.now();
    await hasTile(alice.page, bob.userId, 5000);
    await hasTile(bob.page, alice.userId, 5000);
    const seenAfter = Date.now() - t0;
    assert.deepEqual((await tileUsers(alice.page)).sort(), [`${alice.userId} (me)`, bob.userId].sort());
    assert.deepEqual((await tileUsers(bob.page)).sort(), [`${bob.userId} (me)`, alice.userId].sort());
    assert.ok(seenAfter < 5000, `tiles after ${seenAfter} ms`);

    await screenshot(alice.page, SCREENSHOT);

    const text = `hello from ${bob.userId} ${Date.now()}`;
    await bob.page.fill('#message', text);
    await bob.page.click('#send');
    await logHas(bob.page, `me [1]: ${text} (seq 1)`);
    await logHas(alice.page, `${bob.userId} [1]: ${text}`);

    await bob.page.click('#exit');
    await logHas(bob.page, 'left the room');
    await lacksTile(alice.page, bob.userId, 5000);
    await logHas(alice.page, `${bob.userId} left (reason 0)`);
    assert.deepEqual(await tileUsers(bob.page), [], 'bob after exit: no tiles');
    assert.equal(await bob.page.textContent('#state'), 'DISCONNECTED');
    assert.deepEqual(await tileUsers(alice.page), [`${alice.userId} (me)`]);
    assertNoConsoleErrors(alice.browser, bob.browser);
  });

  test('demo page: camera on in two pages shows each one the other\'s live video in their tile', T, async () => {
    const roomId = newRoomId();
    const alice = await demoPage('alice', newUserId('alice'), roomId);
    const bob = await demoPage('bob', newUserId('bob'), roomId);
    await clickEnter(alice);
    await clickEnter(bob);
    await hasTile(alice.page, bob.userId, 5000);
    await alice.page.click('#camera');
    await bob.page.click('#camera');
    await alice.page.click('#mic');
    const playing = (page, user) => waitDemo(page, (u) => {
      const tile = [...document.querySelectorAll('#tiles .tile')].find((t) => t.dataset.user === u);
      const v = tile && tile.querySelector('video');
      return v && v.readyState >= 2 && v.videoWidth > 0 && v.currentTime > 0;
    }, user, `live video of ${user}`, 20000);
    await playing(alice.page, bob.userId);
    await playing(bob.page, alice.userId);
    await logHas(bob.page, `${alice.userId} turned the mic on`);
    await screenshot(alice.page, SCREENSHOT.replace('.png', '-video.png'));
    await bob.page.click('#camera');
    await logHas(alice.page, `${bob.userId} stopped video`, 5000);
    assertNoConsoleErrors(alice.browser, bob.browser);
  });

  test('Atrium.create() page is kicked out (reason kick) when its userId enters from another page', T, async () => {
    const roomId = newRoomId();
    const dup = newUserId('dup');
    const first = await sdkPage('first');
    // An observer in the same room, in the first user's browser (another page, another client).
    const observer = await sdkPage('observer', { browser: first.browser });
    const observerId = newUserId('obs');
    await sdkEnter(observer, observerId, roomId);
    await sdkEnter(first, dup, roomId);
    await sdkWaitEvent(observer, 'remote-user-enter', `(d) => d.userId === '${dup}'`);

    const second = await demoPage('second', dup, roomId);
    await clickEnter(second);

    const kicked = await sdkWaitEvent(first, 'kicked-out', undefined, 5000);
    assert.equal(kicked.data.reason, 'kick', `kicked-out: ${JSON.stringify(kicked)}`);
    await sdkWaitEvent(first, 'connection-state-changed', "(d) => d.state === 'DISCONNECTED'", 2000);

    // The observer sees the old session leave (reason 2), then the new one enter.
    await waitInPage(observer.page, (u) => window.__events.filter((e) => e.event === 'remote-user-enter' && e.data.userId === u).length === 2,
      dup, { what: `observer: second remote-user-enter of ${dup}` });
    const seen = (await sdkEvents(observer)).filter((e) => e.event.startsWith('remote-user-') && e.data.userId === dup)
      .map((e) => `${e.event}${e.data.reason !== undefined ? `:${e.data.reason}` : ''}`);
    assert.deepEqual(seen, ['remote-user-enter', 'remote-user-exit:2', 'remote-user-enter'], `observer events for ${dup}`);

    // The new session is in the room and sees the observer, not itself.
    await hasTile(second.page, observerId, 5000);
    assert.deepEqual((await tileUsers(second.page)).sort(), [`${dup} (me)`, observerId].sort());
    // The kicked client can use the SDK again: exitRoom is a no-op, the state is DISCONNECTED.
    const state = await evaluate(first.page, async () => { await window.__client.exitRoom(); return window.__client._state; });
    assert.equal(state, 'DISCONNECTED');
    assertNoConsoleErrors(first.browser, second.browser);
  });

  // Closing (or killing) a browser that is in a room: no exitRoom is sent; the session is kept
  // for session_grace_ms and then leaves with reason 1, which the others see.
  for (const how of ['close', 'kill']) {
    test(`a browser that goes away without exitRoom (${how}) leaves after session_grace_ms`, T, async () => {
      const roomId = newRoomId();
      const alice = await demoPage('alice', newUserId('alice'), roomId);
      const bob = await sdkPage('bob');
      const bobId = newUserId('bob');
      await clickEnter(alice);
      await sdkEnter(bob, bobId, roomId);
      await hasTile(alice.page, bobId, 5000);
      await sdkWaitEvent(bob, 'remote-user-enter', `(d) => d.userId === '${alice.userId}'`);

      if (how === 'close') {
        // Heartbeats keep both in the room well past 3 intervals (the server's dead-peer limit).
        await sleep(3 * HEARTBEAT_MS + 700);
        const states = (await sdkEvents(bob)).filter((e) => e.event === 'connection-state-changed').map((e) => e.data.state);
        assert.deepEqual(states, ['CONNECTING', 'CONNECTED'], 'bob stayed connected (heartbeats)');
        assert.equal(await alice.page.textContent('#state'), 'CONNECTED');
        assert.ok((await tileUsers(alice.page)).includes(bobId), 'alice still sees bob');
      }

      const t0 = Date.now();
      if (how === 'close') await bob.browser.close(); // the browser's own shutdown
      else bob.browser.kill();                         // SIGKILL to its process group
      // Not before the grace period ends: the session may still be resumed. (The socket dropped
      // at t0 or later: a graceful close takes a while.)
      await sleep(Math.max(0, t0 + GRACE_MS - 300 - Date.now()));
      assert.ok((await tileUsers(alice.page)).includes(bobId), `bob left before session_grace_ms (${GRACE_MS} ms)`);
      await lacksTile(alice.page, bobId, EXIT_BOUND_MS + 1500 - (Date.now() - t0));
      const elapsed = Date.now() - t0;
      await logHas(alice.page, `${bobId} left (reason 1)`, 1000);
      assert.ok(elapsed >= GRACE_MS - 300 && elapsed <= EXIT_BOUND_MS + 1500,
        `remote-user-exit after ${elapsed} ms; expected ${GRACE_MS}..${EXIT_BOUND_MS} ms`);
      console.log(`# ${how}: remote-user-exit (reason 1) seen ${elapsed} ms after the browser went away`);
      assertNoConsoleErrors(alice.browser);
    });
  }

  test('live scene from the demo form: the audience sees the anchor, is not seen, and may not send', T, async () => {
    const roomId = newRoomId();
    const anchor = await demoPage('anchor', newUserId('anchor'), roomId);
    const viewer = await demoPage('viewer', newUserId('viewer'), roomId);
    await anchor.page.selectOption('#scene', 'live');
    await viewer.page.selectOption('#scene', 'live');
    await viewer.page.selectOption('#role', 'audience');
    await clickEnter(anchor);
    await clickEnter(viewer);
    await hasTile(viewer.page, anchor.userId, 5000);

    const text = `live ${Date.now()}`;
    await anchor.page.fill('#message', text);
    await anchor.page.click('#send');
    await logHas(viewer.page, `${anchor.userId} [1]: ${text}`);
    await viewer.page.click('#send');
    await logHas(viewer.page, 'send failed');
    // By now the anchor would have heard of the audience member if it were announced.
    assert.deepEqual(await tileUsers(anchor.page), [`${anchor.userId} (me)`], 'the anchor sees no audience tile');
    assert.ok(!(await logText(anchor.page)).includes(viewer.userId), 'the anchor heard nothing of the audience member');
    assertNoConsoleErrors(anchor.browser, viewer.browser);
  });

  // The SDK resumes a session whose socket dropped (here: closed under it, as a network failure
  // would) and receives what was sent meanwhile, once; the others never see it leave.
  test('an SDK page whose socket drops resumes within the grace and gets the missed message once', T, async () => {
    const roomId = newRoomId();
    const a = await sdkPage('a');
    const b = await sdkPage('b', { browser: a.browser });
    const aId = newUserId('a');
    const bId = newUserId('b');
    await sdkEnter(a, aId, roomId);
    await sdkEnter(b, bId, roomId);
    await sdkWaitEvent(a, 'remote-user-enter', `(d) => d.userId === '${bId}'`);

    const dropped = Date.now();
    await evaluate(a.page, () => window.__client._ws.close(1000)); // SDK internals: the only socket handle
    const send = (text) => evaluate(b.page, (t) => window.__client.sendCustomMessage({ cmdId: 3, data: new TextEncoder().encode(t).buffer }), text);
    await send('during the gap');
    await sdkWaitEvent(a, 'connection-state-changed', "(d) => d.state === 'RECONNECTED'", GRACE_MS + 1000);
    await send('after the resume');
    await sdkWaitEvent(a, 'custom-message', "(d) => d.data === 'after the resume'");

    const got = (await sdkEvents(a)).filter((e) => e.event === 'custom-message').map((e) => `${e.data.userId}:${e.data.seq}:${e.data.data}`);
    assert.deepEqual(got, [`${bId}:1:during the gap`, `${bId}:2:after the resume`]);
    const states = (await sdkEvents(a)).filter((e) => e.event === 'connection-state-changed').map((e) => e.data.state);
    assert.deepEqual(states, ['CONNECTING', 'CONNECTED', 'RECONNECTING', 'RECONNECTED', 'CONNECTED']);
    // Past the moment a session that was not resumed would have left (reason 1).
    await sleep(Math.max(0, dropped + GRACE_MS + 500 - Date.now()));
    assert.deepEqual((await sdkEvents(b)).filter((e) => e.event === 'remote-user-exit'), [], 'b saw no exit of a');
    assertNoConsoleErrors(a.browser);
  });

  // Regression: the close event of a failed reconnect attempt used to start another loop.
  test('when the server is gone the SDK retries in one loop and reports one error', {
    ...T,
  }, async () => {
    const own = await startServer({ 'signal.session_grace_ms': GRACE_MS, 'signal.heartbeat_interval_ms': HEARTBEAT_MS });
    try {
      const a = await sdkPage('lonely', { srv: own });
      await sdkEnter(a, newUserId('lonely'), newRoomId());
      own.child.kill('SIGKILL');
      // Retries at +250, +750, +1750 and +3750 ms (backoff 250..4000 ms while within the grace),
      // then one `error` and DISCONNECTED.
      await sdkWaitEvent(a, 'connection-state-changed', "(d) => d.state === 'DISCONNECTED'", GRACE_MS + 5000);
      await sleep(1500); // let any other loop show itself
      const events = await sdkEvents(a);
      const sockets = await evaluate(a.page, () => window.__sockets);
      const errors = events.filter((e) => e.event === 'error');
      console.log(`# server gone: ${sockets - 1} reconnect attempts, ${errors.length} error events`);
      assert.equal(errors.length, 1, `error events: ${errors.length}`);
      assert.ok(sockets - 1 <= 5, `reconnect attempts in ${GRACE_MS} ms of grace: ${sockets - 1}`);
    } finally {
      await closeAllBrowsers();
      await own.stop();
    }
  });
});
