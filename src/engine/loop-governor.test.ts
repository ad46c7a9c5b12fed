import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loopGovernor } from './loop-governor.js';
import { Scheduler } from './scheduler.js';

const block = (ms: number): void => {
  const end = performance.now() + ms;
  while (performance.now() < end);
};
const tick = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

test('a congested loop makes the governor busy and holds scheduler starts until it catches up', async () => {
  const release = loopGovernor.hold({ maxLagMs: 15, everyMs: 5 });
  try {
    const s = new Scheduler('3', new AbortController().signal);
    // turns of 25 ms of work each, for up to 2 s: every watch sample in between is late
    const seen = await new Promise<{ fastPath: boolean; held: Promise<void> }>((resolve, reject) => {
      const until = performance.now() + 2000;
      const turn = (): void => {
        block(25);
        if (loopGovernor.busy) resolve({ fastPath: s.tryAcquire(), held: s.acquire() });
        else if (performance.now() > until) reject(new Error('the governor never saw the loop late'));
        else setImmediate(turn);
      };
      setImmediate(turn);
    });
    assert.equal(seen.fastPath, false, 'no fast-path start while the loop is late');
    let started = false;
    await seen.held.then(() => {
      started = true;
    });
    assert.equal(started, true, 'the held start goes ahead once the loop is on time');
    assert.ok(loopGovernor.stats().holds >= 1);
    assert.ok(loopGovernor.stats().worstLagMs >= 15);
    s.release();
    s.close();
  } finally {
    release();
  }
  assert.equal(loopGovernor.enabled, false, 'off once its last holder lets go');
});

test('off, it never holds anything', async () => {
  assert.equal(loopGovernor.enabled, false);
  block(40);
  await tick(0);
  assert.equal(loopGovernor.busy, false);
  const s = new Scheduler('3', new AbortController().signal);
  assert.equal(s.tryAcquire(), true);
  s.release();
  s.close();
});
