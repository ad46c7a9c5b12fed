// Schedules and notifications in the console, in Chromium against the real server on a clock the
// test moves: add a webhook channel (its secret shown once) to a loopback receiver and an e-mail
// channel to a loopback SMTP server, test-send both and read the delivery log, then schedule a
// daily scan for the next minute, move the clock past it, and see the run in the console, the
// signed webhook on the receiver and the e-mail on the SMTP server. Pages audited as in
// console.test.ts.
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { SMTPServer } from 'smtp-server';
import { movableClock, startTestServer, waitFor, type TestServer } from '../helpers/server.js';
import { startSite, type Site } from '../helpers/site.js';
import { SKIP, audit, auditContext, launch, signIn, watchErrors } from './harness.js';

interface Hook {
  headers: Record<string, string | string[] | undefined>;
  body: string;
}
interface Mail {
  to: string[];
  data: string;
}

let t: TestServer;
let target: Site;
let receiver: Site;
let smtp: SMTPServer;
let browser: Browser;
let page: Page;
let errors: string[];
const hooks: Hook[] = [];
const mails: Mail[] = [];
const clock = movableClock(Date.now());
let secret = '';

describe('web console: schedules and notifications', { skip: SKIP }, () => {
  before(async () => {
    target = await startSite({ '/': '<html><head><title>app</title></head><body><a href="/a">a</a></body></html>', '/a': '<html><body>a</body></html>' });
    receiver = await startSite({
      '/hook': (req, res) => {
        const chunks: Buffer[] = [];
        req.on('data', (c: Buffer) => chunks.push(c));
        req.on('end', () => {
          hooks.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
          res.writeHead(204).end();
        });
      },
    });
    smtp = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS', 'AUTH'],
      onData(stream, session, callback) {
        const chunks: Buffer[] = [];
        stream.on('data', (c: Buffer) => chunks.push(c));
        stream.on('end', () => {
          mails.push({ to: session.envelope.rcptTo.map((r) => r.address), data: Buffer.concat(chunks).toString('utf8') });
          callback();
        });
      },
    });
    await new Promise<void>((r) => smtp.listen(0, '127.0.0.1', r));
    const smtpPort = (smtp.server.address() as AddressInfo).port;
    t = await startTestServer({
      clock,
      config: { schedulerTickMs: 100, notifyBackoffMs: 200 },
      env: { WSC_WEBHOOK_ALLOW_PRIVATE: '1', WSC_SMTP_URL: `smtp://127.0.0.1:${smtpPort}`, WSC_SMTP_FROM: 'wsc@localhost' },
    });
    browser = await launch();
    const ctx = await browser.newContext({ viewport: { width: 1280, height: 900 }, timezoneId: 'UTC' });
    page = await ctx.newPage();
    errors = watchErrors(page);
    await signIn(page, t.url, t.admin);
  });
  after(async () => {
    await browser?.close();
    await t?.close();
    await new Promise<void>((r) => (smtp ? smtp.close(() => r()) : r()));
    await receiver?.close();
    await target?.close();
  });

  test('a webhook channel: secret shown once, test-send delivered and signed, delivery log', async () => {
    await page.click('nav >> text=Notifications');
    await page.waitForSelector('#page-title:text-is("Notifications")');
    await page.fill('#n-name', 'ops hook');
    await page.fill('#n-url', `${receiver.url}/hook`);
    await page.click('button:text-is("Add channel")');
    await page.waitForSelector('#new-secret');
    secret = (await page.textContent('#new-secret')) ?? '';
    assert.ok(secret.length >= 16);
    await page.waitForSelector(`#channels tr:has-text("ops hook"):has-text("…${secret.slice(-4)}")`);
    await page.click('button[aria-label="Test-send to ops hook"]');
    await page.waitForSelector('text=/Test sent: delivered/');
    const hook = hooks.at(-1)!;
    const ts = String(hook.headers['x-wsc-timestamp']);
    assert.equal(hook.headers['x-wsc-signature'], `sha256=${createHmac('sha256', secret).update(`${ts}.${hook.body}`).digest('hex')}`);
    await page.click('a[aria-label="Log of ops hook"]');
    await page.waitForSelector('#deliveries tbody tr:has-text("delivered")');
  });

  test('an e-mail channel to the loopback SMTP server: test-send arrives', async () => {
    await page.selectOption('#n-kind', 'email');
    await page.fill('#n-name', 'security team');
    await page.fill('#n-to', 'sec@example.test');
    await page.click('button:text-is("Add channel")');
    await page.waitForSelector('#channels tr:has-text("security team")');
    const before = mails.length;
    await page.click('button[aria-label="Test-send to security team"]');
    await page.waitForSelector('text=/Test sent: delivered/');
    await waitFor(async () => mails.length > before, 5_000);
    assert.deepEqual(mails.at(-1)!.to, ['sec@example.test']);
  });

  test('a daily schedule for the next minute: the clock moves, the scan runs, webhook and e-mail arrive', async () => {
    const next = Math.ceil((clock.now() + 60_000) / 60_000) * 60_000;
    const at = new Date(next).toISOString().slice(11, 16);
    await page.click('nav >> text=Schedules');
    await page.waitForSelector('#page-title:text-is("Schedules")');
    await page.fill('#s-name', 'nightly');
    await page.selectOption('#s-every', 'daily');
    await page.fill('#s-at', at);
    await page.fill('#s-tz', 'UTC');
    await page.fill('#s-max', '3');
    await page.fill('#j-url', `${target.url}/`);
    await page.getByLabel('ALL', { exact: true }).uncheck();
    await page.getByLabel('Directory Listing', { exact: true }).check();
    await page.selectOption('#j-speed', '3');
    await page.selectOption('#j-crawl', 'html');
    await page.fill('#j-memo', 'scheduled');
    await page.click('button:text-is("Create schedule")');
    await page.waitForSelector('#schedules tr:has-text("nightly")');
    const list = await t.call('GET', '/api/v1/schedules');
    const sched = list.json.resources.schedules[0];
    assert.equal(sched.next_run_at, next);
    assert.equal(sched.cron, `${new Date(next).getUTCMinutes()} ${new Date(next).getUTCHours()} * * *`);

    const hooksBefore = hooks.length;
    const mailsBefore = mails.length;
    clock.set(next + 1_000);
    const run = await waitFor(async () => {
      const r = await t.call('GET', `/api/v1/schedules/${sched.schedule_id}`);
      return r.json.resources.runs.find((x: { instance_id: string | null }) => x.instance_id !== null);
    }, 15_000, 100);
    const jobId = String(run.instance_id);
    await waitFor(async () => hooks.slice(hooksBefore).some((h) => h.headers['x-wsc-event'] === 'job.completed'), 30_000, 100);
    const done = JSON.parse(hooks.slice(hooksBefore).find((h) => h.headers['x-wsc-event'] === 'job.completed')!.body);
    assert.equal(done.job.instance_id, jobId);
    assert.equal(done.job.memo, 'scheduled');
    await waitFor(async () => mails.slice(mailsBefore).some((m) => m.data.includes(jobId)), 10_000, 100);

    await page.reload();
    await page.waitForSelector(`#schedules tr:has-text("nightly") a:text-is("last job")`);
    await page.click(`#schedules a:text-is("nightly")`);
    await page.waitForSelector(`text=Runs of schedule ${sched.schedule_id}`);
    await page.click(`a:text-is("job ${jobId}")`);
    await page.waitForSelector(`#page-title:text-is("Job ${jobId}")`);
    await page.waitForSelector('#job-status:text-is("Diagnostics completed")');

    // pause and resume
    await page.click('nav >> text=Schedules');
    await page.click('button[aria-label="Pause schedule nightly"]');
    await page.waitForSelector('#schedules tr:has-text("nightly"):has-text("paused")');
    assert.equal((await t.call('GET', `/api/v1/schedules/${sched.schedule_id}`)).json.resources.schedule.enabled, false);
    await page.click('button[aria-label="Resume schedule nightly"]');
    await page.waitForSelector('#schedules tr:has-text("nightly"):has-text("enabled")');
    assert.deepEqual(errors, []);
  });

  test('schedules and notifications pages: axe-core and 375 px', async () => {
    const ctx = await auditContext(browser, t.admin);
    const p = await ctx.newPage();
    try {
      await audit(p, t.url, '#/schedules', 'schedules', (x) => x.waitForSelector('#schedules tr').then(() => undefined));
      const channels = (await t.call('GET', '/api/v1/notifications')).json.resources.channels;
      await audit(p, t.url, `#/notifications/${channels[0].channel_id}`, 'notifications', (x) => x.waitForSelector('#deliveries tbody tr').then(() => undefined));
    } finally {
      await ctx.close();
    }
  });
});
