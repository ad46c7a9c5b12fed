import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { EngineStats } from '../engine/types.js';
import { HealthMonitor } from '../engine/health.js';
import { createProgress, formatSeconds, healthText } from './progress.js';

test('durations and the health part of the progress line', () => {
  assert.equal(formatSeconds(5), '5s');
  assert.equal(formatSeconds(75), '1m15s');
  assert.equal(formatSeconds(3700), '1h01m');
  assert.equal(healthText({ rate: 123.4, errors: 1, elapsedMs: 65_000, etaMs: 130_000, paused: false }), '123 req/s, 1 error, 1m05s elapsed, ETA 2m10s');
  assert.equal(healthText({ rate: 0, errors: 20, elapsedMs: 1000, etaMs: null, paused: true }), 'paused (target silent), 20 errors, 1s elapsed');
});

test('plain lines (no TTY): req/s over the last seconds, errors, elapsed, and an ETA from the scan phase', () => {
  let t = 0;
  let out = '';
  const p = createProgress({ write: (s: string | Uint8Array) => (out += String(s)) }, false, () => t);
  const h = new HealthMonitor();
  const stats = (requests: number, durationMs: number): EngineStats => ({ requests, durationMs, crawlMs: 0, scanMs: 0, urls: 0, health: h.snapshot() });
  p.phase('crawl');
  p.stats(stats(0, 0));
  t = 10_000;
  p.phase('scan');
  p.scan(0);
  p.stats(stats(500, 10_000));
  t = 20_000;
  p.scan(25);
  p.stats(stats(1500, 20_000));
  // 1000 requests in the last 10 s; 25 % of the scan took 10 s, so 30 s remain
  assert.match(out, /scan: 25%, 100 req\/s, 0 errors, 20s elapsed, ETA 30s\n/);
});
