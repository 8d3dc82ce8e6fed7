// Scraping atriumd's metrics listener (plain HTTP on loopback) and reading the text exposition.
import http from 'node:http';
import assert from 'node:assert/strict';

// GET path on 127.0.0.1:port; resolves {status, headers, text}.
export function httpGet(port, path, { timeoutMs = 5000 } = {}) {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: '127.0.0.1', port, path, timeout: timeoutMs }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, text: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`GET ${path} timed out after ${timeoutMs} ms`)));
    req.on('error', reject);
  });
}

// [{name, labels: {k: v}, value}] from Prometheus text format 0.0.4 (comments skipped).
export function parseExposition(text) {
  const out = [];
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    assert.ok(m, `not an exposition sample line: ${line}`);
    const labels = {};
    for (const l of (m[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) labels[l[1]] = l[2];
    out.push({ name: m[1], labels, value: Number(m[3]) });
  }
  return out;
}

// The sum of every series of `name` whose labels include `labels`.
export function metricSum(samples, name, labels = {}) {
  return samples
    .filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))
    .reduce((a, s) => a + s.value, 0);
}

export async function scrape(port) {
  const res = await httpGet(port, '/metrics');
  assert.equal(res.status, 200, `/metrics: HTTP ${res.status} ${res.text.slice(0, 200)}`);
  assert.match(res.headers['content-type'], /^text\/plain; version=0\.0\.4/);
  return { text: res.text, samples: parseExposition(res.text) };
}
