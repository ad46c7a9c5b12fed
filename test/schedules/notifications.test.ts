// Notifications over HTTP on the real server: webhooks to a loopback node:http receiver (valid
// HMAC signature, retried with back-off after two 500s, the delivery log showing each attempt),
// e-mail to a loopback smtp-server, the test-send, the batching of high findings, and the
// refusals of bad and private webhook URLs.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import { movableClock, startTestServer, waitFor, type TestServer } from '../helpers/server.js';
import { fakeEngine } from './fake-engine.js';

interface Received {
  headers: Record<string, string | string[] | undefined>;
  body: string;
  status: number;
}

/** Answers 500 to the first `failures` attempts of each delivery, then 200. */
async function receiver(failures: number): Promise<{ url: string; got: Received[]; server: Server }> {
  const got: Received[] = [];
  const seen = new Map<string, number>();
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      const id = String(req.headers['x-wsc-delivery']);
      const n = (seen.get(id) ?? 0) + 1;
      seen.set(id, n);
      const status = n <= failures ? 500 : 200;
      got.push({ headers: req.headers, body, status });
      res.writeHead(status, { 'content-type': 'text/plain' }).end(status === 200 ? 'thanks' : 'broken');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`, got, server };
}

function verify(secret: string, r: Received): boolean {
  const ts = String(r.headers['x-wsc-timestamp']);
  const expected = 'sha256=' + createHmac('sha256', secret).update(`${ts}.${r.body}`).digest('hex');
  return r.headers['x-wsc-signature'] === expected;
}

const job = { StartUrl: 'http://localhost:9/n', VulnItems: ['ALL'], UserAgent: 'PC Chrome', Speed: '1' };
const SKEW = { clockSkewMs: 10 * 365 * 24 * 3600 * 1000 };

describe('webhooks', () => {
  const clock = movableClock(Date.parse('2026-12-03T05:00:00Z'));
  let t: TestServer;
  let hook: Awaited<ReturnType<typeof receiver>>;
  before(async () => {
    hook = await receiver(2);
    t = await startTestServer({ clock, engine: fakeEngine(clock, { highFindings: 3 }).engine, config: { ...SKEW, schedulerTickMs: 50, webhookAllowPrivate: true, notifyBackoffMs: 1000, notifyAttempts: 5 } });
  });
  after(async () => {
    await t.close();
    hook.server.close();
  });

  test('a job end is delivered signed; two 500s are retried with back-off; the log shows every attempt', async () => {
    const c = await t.call('PUT', '/api/v1/notifications', { Kind: 'webhook', Url: hook.url });
    assert.equal(c.status, 200, c.text);
    const secret: string = c.json.resources.secret;
    const ch = c.json.resources.channel;
    assert.equal(secret.length, 40);
    assert.equal(ch.secret_hint, secret.slice(-4));
    assert.deepEqual(ch.events, ['job.completed', 'job.failed', 'finding.high']);
    const listed = await t.call('GET', '/api/v1/notifications');
    assert.ok(!listed.text.includes(secret), 'the secret is shown once only');

    const r = await t.call('PUT', '/api/v1/job', { ...job, Memo: 'nightly' });
    const id = String(r.headers['x-wsc-instance-no']);
    // each attempt's outcome is written after the receiver answered: wait for it before moving the clock
    const attempted = (n: number) =>
      waitFor(async () => {
        const ds = (await t.call('GET', `/api/v1/notifications/${ch.channel_id}/deliveries`)).json.resources.deliveries;
        return ds.length === 2 && ds.every((d: { attempt: number }) => d.attempt === n);
      }, 5000);
    // first attempts of job.completed and finding.high: 500 each
    await attempted(1);
    await new Promise((res) => setTimeout(res, 300));
    assert.equal(hook.got.length, 2, 'no retry before the back-off elapsed on the clock');
    clock.advance(1000);
    await attempted(2);
    assert.equal(hook.got.length, 4);
    clock.advance(1500);
    await new Promise((res) => setTimeout(res, 300));
    assert.equal(hook.got.length, 4, 'the second retry waits twice as long');
    clock.advance(500);
    await waitFor(async () => hook.got.length === 6, 5000);
    assert.deepEqual(hook.got.map((g) => g.status), [500, 500, 500, 500, 200, 200]);

    for (const g of hook.got) assert.ok(verify(secret, g), 'valid signature');
    const bodies = hook.got.filter((g) => g.status === 200).map((g) => JSON.parse(g.body));
    const done = bodies.find((b) => b.event === 'job.completed');
    assert.equal(done.job.instance_id, id);
    assert.equal(done.job.memo, 'nightly');
    assert.equal(done.job.status_code, 4);
    assert.equal(done.job.high_cnt, 3);
    assert.match(done.job.report_url, new RegExp(`/api/v1/jobs/${id}/report$`));
    const high = bodies.filter((b) => b.event === 'finding.high');
    assert.equal(high.length, 1, 'one finding.high delivery for the job, not one per finding');
    assert.equal(high[0].findings.length, 3);
    assert.equal(hook.got[0]?.headers['content-type'], 'application/json');
    assert.ok(['job.completed', 'finding.high'].includes(String(hook.got[0]?.headers['x-wsc-event'])));

    const log = await t.call('GET', `/api/v1/notifications/${ch.channel_id}/deliveries`);
    const ds = log.json.resources.deliveries;
    assert.equal(ds.length, 2);
    for (const d of ds) {
      assert.equal(d.status, 'delivered');
      assert.equal(d.attempt, 3);
      assert.equal(d.instance_id, id);
      assert.equal(d.attempts.length, 3);
      assert.match(d.attempts[0].response, /^HTTP 500/);
      assert.match(d.response, /^HTTP 200/);
      assert.ok(d.attempts[1].at - d.attempts[0].at >= 1000);
      assert.ok(d.attempts[2].at - d.attempts[1].at >= 2000);
    }
  });

  test('test-send: one signed delivery now, its result in the answer', async () => {
    const ok = await receiver(0);
    try {
      const c = await t.call('PUT', '/api/v1/notifications', { Kind: 'webhook', Url: ok.url, Secret: 'a-secret-of-20-chars', Events: ['job.failed'] });
      const id = c.json.resources.channel.channel_id;
      const r = await t.call('POST', `/api/v1/notifications/${id}/test`);
      assert.equal(r.status, 200, r.text);
      assert.equal(r.json.resources.delivery.status, 'delivered');
      assert.equal(r.json.resources.delivery.event, 'test');
      assert.equal(ok.got.length, 1);
      assert.ok(verify('a-secret-of-20-chars', ok.got[0] as Received));
      assert.equal(JSON.parse(ok.got[0]?.body ?? '{}').event, 'test');
      assert.equal((await t.call('DELETE', `/api/v1/notifications/${id}`)).status, 200);
    } finally {
      ok.server.close();
    }
  });

  test('a dead receiver fails the delivery after the attempts, and never holds up jobs', async () => {
    const c = await t.call('PUT', '/api/v1/notifications', { Kind: 'webhook', Url: 'http://127.0.0.1:9/closed', Events: ['job.completed'] });
    const id = c.json.resources.channel.channel_id;
    const r = await t.call('PUT', '/api/v1/job', { ...job, StartUrl: 'http://localhost:9/dead' });
    const jobId = Number(r.headers['x-wsc-instance-no']);
    await waitFor(async () => (await t.server.store.getJob(jobId))?.status === 4, 5000);
    const d = await waitFor(async () => {
      clock.advance(20_000);
      const log = await t.call('GET', `/api/v1/notifications/${id}/deliveries`);
      const found = log.json.resources.deliveries.find((x: { instance_id: string }) => x.instance_id === String(jobId));
      return found?.status === 'failed' ? found : null;
    }, 8000, 150);
    assert.equal(d.status, 'failed');
    assert.equal(d.attempt, 5);
    assert.equal(d.next_attempt_at, null);
    assert.match(d.error, /ECONNREFUSED|refused/i);
  });

  test('bad webhook inputs get the documented envelope; metadata addresses are refused even when private ones are allowed', async () => {
    const cases: [unknown, string][] = [
      [{ Kind: 'webhook', Url: 'ftp://127.0.0.1/x' }, 'Url'],
      [{ Kind: 'webhook', Url: 'not a url' }, 'Url'],
      [{ Kind: 'webhook' }, 'Url'],
      [{ Kind: 'webhook', Url: 'http://169.254.169.254/latest' }, 'Url'],
      [{ Kind: 'webhook', Url: 'http://[fe80::1]/x' }, 'Url'],
      [{ Kind: 'webhook', Url: 'http://u:p@127.0.0.1/x' }, 'Url'],
      [{ Kind: 'webhook', Url: hook.url, Secret: 'short' }, 'Secret'],
      [{ Kind: 'webhook', Url: hook.url, Events: ['job.started'] }, 'Events.0'],
      [{ Kind: 'email' }, 'To'],
      [{ Kind: 'email', To: ['not-an-address'] }, 'To.0'],
      [{ Kind: 'sms' }, 'Kind'],
      [{ Kind: 'webhook', Url: hook.url, Extra: 1 }, 'Extra'],
    ];
    for (const [body, field] of cases) {
      const r = await t.call('PUT', '/api/v1/notifications', body);
      assert.equal(r.status, 400, `${JSON.stringify(body)}: ${r.text}`);
      assert.equal(r.json.error.errorCode, 160433, r.text);
      assert.equal(r.json.error.message, `Param Value Not Define - ${field}`, r.text);
    }
    const meta = await t.call('PUT', '/api/v1/notifications', { Kind: 'webhook', Url: 'http://169.254.169.254/' });
    assert.match(meta.json.error.details, /link-local or cloud metadata/);
    const other = await t.account('eve');
    assert.equal((await t.call('GET', '/api/v1/notifications/1/deliveries', undefined, other)).status, 400, 'another account cannot read the log');
  });
});

test('private webhook addresses are refused unless WSC_WEBHOOK_ALLOW_PRIVATE=1', async () => {
  const t = await startTestServer();
  try {
    for (const url of ['http://127.0.0.1:8080/hook', 'http://10.1.2.3/hook', 'http://[::1]/hook', 'http://localhost/hook']) {
      const r = await t.call('PUT', '/api/v1/notifications', { Kind: 'webhook', Url: url });
      assert.equal(r.status, 400, url);
      assert.equal(r.json.error.message, 'Param Value Not Define - Url');
      assert.match(r.json.error.details, /WSC_WEBHOOK_ALLOW_PRIVATE=1/);
    }
  } finally {
    await t.close();
  }
});

describe('e-mail', () => {
  const clock = movableClock(Date.parse('2026-12-03T05:00:00Z'));
  let t: TestServer;
  let smtp: SMTPServer;
  const mails: { to: string[]; raw: string }[] = [];
  before(async () => {
    smtp = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS'],
      logger: false,
      onData(stream, session, cb) {
        let raw = '';
        stream.on('data', (c: Buffer) => (raw += c.toString()));
        stream.on('end', () => {
          mails.push({ to: session.envelope.rcptTo.map((r) => r.address), raw });
          cb();
        });
      },
    });
    await new Promise<void>((r) => smtp.listen(0, '127.0.0.1', r));
    const port = (smtp.server.address() as AddressInfo).port;
    t = await startTestServer({ clock, engine: fakeEngine(clock, { highFindings: 1 }).engine, env: { WSC_SMTP_URL: `smtp://127.0.0.1:${port}`, WSC_SMTP_FROM: 'wsc@example.test' }, config: { ...SKEW, schedulerTickMs: 50 } });
  });
  after(async () => {
    await t.close();
    await new Promise<void>((r) => smtp.close(() => r()));
  });

  const decode = (raw: string) => raw.replace(/=\r?\n/g, '').replace(/=([0-9A-F]{2})/g, (_m, h: string) => String.fromCharCode(parseInt(h, 16)));

  test('test-send and a job end arrive by SMTP; target-controlled text is escaped in the HTML', async () => {
    const c = await t.call('PUT', '/api/v1/notifications', { Kind: 'email', To: ['sec@example.test'], Events: ['job.completed'] });
    assert.equal(c.status, 200, c.text);
    assert.equal(c.json.resources.secret, undefined);
    const id = c.json.resources.channel.channel_id;
    const test1 = await t.call('POST', `/api/v1/notifications/${id}/test`);
    assert.equal(test1.json.resources.delivery.status, 'delivered', test1.text);
    assert.match(test1.json.resources.delivery.response, /^250/);
    assert.equal(mails.length, 1);
    assert.deepEqual(mails[0]?.to, ['sec@example.test']);
    assert.match(mails[0]?.raw ?? '', /Subject: \[wsc\] test notification/);

    await t.call('PUT', '/api/v1/job', { ...job, StartUrl: 'http://localhost:9/mail?q=<b>', Memo: '<script>alert(1)</script>\r\nBcc: x@evil.test' });
    await waitFor(async () => mails.length === 2, 5000);
    const raw = decode(mails[1]?.raw ?? '');
    assert.match(raw, /Subject: \[wsc\] job \d+ completed/);
    const headers = raw.split(/\r?\n\r?\n/)[0] ?? '';
    assert.ok(!/^Bcc:/im.test(headers), 'no header injection from the memo');
    assert.deepEqual(mails[1]?.to, ['sec@example.test']);
    assert.ok(raw.includes('&#60;script&#62;alert(1)&#60;/script&#62;'), 'memo escaped in the HTML part');
    assert.ok(!raw.includes('<script>alert(1)</script></p>'), 'no raw markup from the target in the HTML');
    assert.ok(raw.includes('Content-Type: text/plain'));
    assert.ok(raw.includes('Content-Type: text/html'));
    const log = await t.call('GET', `/api/v1/notifications/${id}/deliveries`);
    assert.deepEqual(log.json.resources.deliveries.map((d: { event: string }) => d.event), ['job.completed', 'test']);
  });
});
