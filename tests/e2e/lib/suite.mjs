// The frame every browser test file shares: whether it can run here, and one atriumd per
// describe() block that is stopped (with every browser) when the block ends.
import os from 'node:os';
import { before, after } from 'node:test';
import { startServer } from '../../integration/lib/harness.mjs';
import { closeAllBrowsers, browserAvailable, CHROMIUM } from './browser.mjs';

// false, or why the browser tests are skipped: no Chromium, or not inside the isolated network
// namespace with only `lo` (run-in-netns.sh) — the network rule forbids testing elsewhere.
export function e2eSkipReason() {
  if (!browserAvailable()) return `${CHROMIUM} is not installed`;
  if (Object.keys(os.networkInterfaces()).some((i) => i !== 'lo'))
    return 'not in an isolated network namespace; run through e2e/run-in-netns.sh';
  return false;
}

// Call inside describe(): starts atriumd with `flags` before the block's tests; `.server` holds it.
export function suiteServer(flags = {}) {
  const ref = { server: null };
  before(async () => { ref.server = await startServer({ 'media.workers': 1, ...flags }); });
  after(async () => {
    await closeAllBrowsers();
    await ref.server?.stop();
    // playwright may keep handles open; the test file must still end.
    setTimeout(() => process.exit(), 3000).unref();
  });
  return ref;
}
