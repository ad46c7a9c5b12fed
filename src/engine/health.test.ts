import assert from 'node:assert/strict';
import { test } from 'node:test';
import { HealthMonitor, TargetDownError, transportKind, verdictLine } from './health.js';
import { TimeoutError, TransportError } from './http.js';

test('transport errors are sorted by what the network said', () => {
  assert.equal(transportKind(new TransportError('connect ECONNREFUSED 127.0.0.1:1', 'ECONNREFUSED')), 'refused');
  assert.equal(transportKind(new TransportError('other side closed', 'UND_ERR_SOCKET')), 'reset');
  assert.equal(transportKind(new TransportError('read ECONNRESET', 'ECONNRESET')), 'reset');
  assert.equal(transportKind(new TimeoutError('no complete response within 10 ms')), 'timeout');
  assert.equal(transportKind(new TransportError('Client network socket disconnected before secure TLS connection was established', 'ECONNRESET')), 'tls');
  assert.equal(transportKind(new TransportError('write EPROTO wrong version number', 'EPROTO')), 'tls');
  assert.equal(transportKind(new Error('something else')), 'other');
});

test('N failures in a row pause the job; a live probe resumes it and the counts go on', async () => {
  let probes = 0;
  const h = new HealthMonitor({ limits: { maxConsecutiveFailures: 5, targetDownAfterMs: 5000 }, probe: async () => (++probes >= 2 ? 'alive' : 'connections refused') });
  for (let i = 0; i < 30; i++) h.answer(200);
  for (let i = 0; i < 4; i++) h.error(new TransportError('refused', 'ECONNREFUSED'));
  assert.equal(h.blocked, false, 'four in a row is below the limit');
  h.error(new TransportError('refused', 'ECONNREFUSED'));
  assert.equal(h.blocked, true);
  await h.gate();
  assert.equal(h.blocked, false);
  const s = h.snapshot();
  assert.equal(s.pauses, 1);
  assert.equal(s.probes, 2);
  assert.equal(s.errors.refused, 5);
  assert.equal(s.answered, 30);
  assert.equal(s.verdict, 'degraded');
  assert.match(s.reasons[0]!, /stopped answering 1 time\(s\)/);
  h.close();
});

test('an error rate over maxErrorRate in the window pauses; a target that stays down ends the job with a cause', async () => {
  let down = '';
  const h = new HealthMonitor({ limits: { maxErrorRate: 20, maxConsecutiveFailures: 1000, targetDownAfterMs: 600 }, probe: async () => 'answers 503', onDown: (c) => (down = c) });
  // 1 in 4 fails: 25 % > 20 % once 20 outcomes are in
  for (let i = 0; i < 40 && !h.blocked; i++) {
    if (i % 4 === 3) h.answer(503);
    else h.answer(200);
  }
  assert.equal(h.blocked, true);
  await assert.rejects(h.gate(), TargetDownError);
  assert.match(down, /% of the last \d+ requests failed \(answers 503\), and \d probe\(s\) over 0.6 s saw answers 503/);
  const s = h.snapshot();
  assert.equal(s.verdict, 'down');
  assert.match(verdictLine(s), /^scan health: target down: /);
  await assert.rejects(h.gate(), TargetDownError, 'every later request is refused at once');
});

test('a healthy job: no reasons; a few failures among many stay healthy; a limit that cut the job is degraded', () => {
  const h = new HealthMonitor({ probe: async () => 'alive' });
  for (let i = 0; i < 1000; i++) {
    h.sent();
    h.answer(i % 10 === 0 ? 404 : 200);
  }
  for (let i = 0; i < 6; i++) {
    h.sent();
    h.error(new TimeoutError('slow'));
  }
  assert.equal(h.snapshot().verdict, 'healthy');
  assert.deepEqual(h.snapshot().reasons, []);
  const cut = h.snapshot('maxRequests');
  assert.equal(cut.verdict, 'degraded');
  assert.match(cut.reasons[0]!, /maxRequests limit ended the job early/);
  // more than 5 % of the traffic lost (and at least 5 requests) is degraded
  for (let i = 0; i < 60; i++) {
    h.sent();
    h.error(new TransportError('reset', 'ECONNRESET'));
    h.sent();
    h.answer(200);
  }
  const lossy = h.snapshot();
  assert.equal(lossy.verdict, 'degraded');
  assert.ok(lossy.reasons.some((r) => /66 of 1126 requests \(6 %\) got no usable answer: 60 reset, 6 timed out/.test(r)), lossy.reasons.join('|'));
  h.close();
});
