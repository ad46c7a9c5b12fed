// One suite, run against SQLite (temp dir) and, when WSC_TEST_DATABASE_URL is set, PostgreSQL in a
// fresh random schema that is dropped at the end.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import BetterSqlite3 from 'better-sqlite3';
import { sql } from 'kysely';
import { createSealer, masterKeyFromString, type Sealer } from '../../src/core/crypto.js';
import type { Finding } from '../../src/core/model.js';
import { STATUS, type JobStatus } from '../../src/core/status.js';
import { FIRST_JOB_ID, MIGRATIONS, runMigrations } from '../../src/jobs/migrations.js';
import { openKyselyStore, openStore, SQLITE_FILE } from '../../src/jobs/open-store.js';
import type { KyselyStore } from '../../src/jobs/store-kysely.js';
import type { JobSettings, NewJob } from '../../src/jobs/store.js';
import { WRITER_URLS_PER_JOB } from './sqlite-writer-fixture.js';

interface Target {
  name: 'sqlite' | 'postgres';
  open(): Promise<KyselyStore>;
  cleanup(): Promise<void>;
}

const sealer: Sealer = createSealer(randomBytes(32));

function settings(startUrl: string, headers: Record<string, string> = {}): JobSettings {
  return { startUrl, excludeUrls: [], headers, vulnItems: ['ALL'], userAgent: 'PC', speed: 'Normal' };
}

function newJob(accountId: number, startUrl: string, memo: string | null, extra: Partial<NewJob> = {}): NewJob {
  return { accountId, startUrl, memo, masterId: null, settings: settings(startUrl), ...extra };
}

function finding(url: string, parameter: string | null, item: Finding['item'] = 'XSS'): Finding {
  return {
    item,
    check: 'xss-reflected',
    title: 'Reflected XSS',
    severity: 'high',
    confidence: 'firm',
    cwe: 79,
    url,
    method: 'GET',
    parameter,
    location: 'query',
    payload: '<script>',
    evidence: { request: 'GET / HTTP/1.1', response: 'HTTP/1.1 200 OK\r\n\r\n\u0000<script>', proof: '<script>' },
    curl: `curl '${url}'`,
  };
}

function storeSuite(target: Target): void {
  describe(`store (${target.name})`, () => {
    let store: KyselyStore;
    let acc1: number;
    let acc2: number;

    before(async () => {
      store = await target.open();
      acc1 = (await store.createAccount('alpha')).id;
      acc2 = (await store.createAccount('beta')).id;
    });

    after(async () => {
      await store.close();
      await target.cleanup();
    });

    test('accounts', async () => {
      const a = await store.getAccount(acc1);
      assert.equal(a?.name, 'alpha');
      assert.equal(typeof a?.createdAt, 'number');
      assert.equal((await store.getAccountByName('beta'))?.id, acc2);
      assert.equal(await store.getAccount(999_999), undefined);
      assert.equal(await store.getAccountByName('nobody'), undefined);
      assert.deepEqual(
        (await store.listAccounts()).map((x) => x.name),
        ['alpha', 'beta'],
      );
      await assert.rejects(store.createAccount('alpha'), 'account names are unique');
    });

    test('api keys and status change', async () => {
      const k = await store.insertKey({ accessKey: 'AK1', accountId: acc1, secretEnc: 'v1:sealed-by-caller' });
      assert.equal(k.status, 'active');
      assert.equal(k.secretEnc, 'v1:sealed-by-caller');
      await store.insertKey({ accessKey: 'AK2', accountId: acc2, secretEnc: 'v1:other' });
      assert.deepEqual(
        (await store.listKeys(acc1)).map((x) => x.accessKey),
        ['AK1'],
      );
      assert.deepEqual((await store.listKeys()).map((x) => x.accessKey).sort(), ['AK1', 'AK2']);
      assert.equal(await store.setKeyStatus('AK1', 'disabled'), true);
      assert.equal((await store.getKey('AK1'))?.status, 'disabled');
      assert.equal(await store.setKeyStatus('AK1', 'revoked'), true);
      assert.equal((await store.getKey('AK1'))?.status, 'revoked');
      assert.equal(await store.setKeyStatus('NOPE', 'disabled'), false);
      assert.equal(await store.getKey('NOPE'), undefined);
      await assert.rejects(store.insertKey({ accessKey: 'AK3', accountId: 999_999, secretEnc: 'x' }), 'foreign key');
    });

    test('assets: idempotent add, removal, per-account', async () => {
      const a = await store.addAsset(acc1, 'host', 'example.com', 'admin');
      const again = await store.addAsset(acc1, 'host', 'example.com', 'verified');
      assert.equal(again.id, a.id);
      assert.equal(again.source, 'admin', 'the first row is kept');
      await store.addAsset(acc1, 'cidr', '127.0.0.0/8', 'admin');
      const other = await store.addAsset(acc2, 'host', 'example.com', 'verified');
      assert.notEqual(other.id, a.id);
      assert.deepEqual(
        (await store.listAssets(acc1)).map((x) => [x.kind, x.value, x.source]),
        [
          ['host', 'example.com', 'admin'],
          ['cidr', '127.0.0.0/8', 'admin'],
        ],
      );
      // one origin (what a plain-http proof gives) next to the host; the kind is checked by the schema
      const origin = await store.addAsset(acc2, 'origin', 'http://example.com:8080', 'verified');
      assert.equal(origin.kind, 'origin');
      await assert.rejects(store.addAsset(acc2, 'bogus' as 'host', 'x.example', 'admin'));
      assert.equal(await store.removeAsset(acc2, 'http://example.com:8080'), true);
      assert.equal(await store.removeAsset(acc1, 'example.com'), true);
      assert.equal(await store.removeAsset(acc1, 'example.com'), false);
      assert.deepEqual(
        (await store.listAssets(acc1)).map((x) => x.value),
        ['127.0.0.0/8'],
      );
      assert.equal((await store.listAssets(acc2)).length, 1, 'the other account keeps its asset');
    });

    test('verification tokens', async () => {
      await store.createVerification({
        token: 'tok-1',
        accountId: acc1,
        origin: 'https://example.com',
        host: 'example.com',
        createdAt: 1000,
        expiresAt: 2000,
      });
      assert.deepEqual(await store.getVerification('tok-1'), {
        token: 'tok-1',
        accountId: acc1,
        origin: 'https://example.com',
        host: 'example.com',
        createdAt: 1000,
        expiresAt: 2000,
        verifiedAt: null,
      });
      assert.equal(await store.markVerified('tok-1', 1500), true);
      assert.equal((await store.getVerification('tok-1'))?.verifiedAt, 1500);
      assert.equal(await store.markVerified('tok-1', 1600), true);
      assert.equal((await store.getVerification('tok-1'))?.verifiedAt, 1500, 'first verification time kept');
      assert.equal(await store.markVerified('nope', 1), false);
      assert.equal(await store.getVerification('nope'), undefined);
    });

    test('jobs: create, defaults, account scoping', async () => {
      const s = settings('https://Shop.example.com/', { cookie: 'SESSION=abc', authorization: 'Bearer t0k' });
      s.limits = { maxUrls: 50 };
      const j = await store.createJob({ accountId: acc1, startUrl: s.startUrl, memo: 'first', masterId: null, settings: s });
      assert.ok(j.id >= FIRST_JOB_ID, `id ${j.id} starts at ${FIRST_JOB_ID}`);
      assert.equal(String(j.id).length, 10);
      assert.equal(j.status, STATUS.CRAWL_PENDING);
      assert.deepEqual(j.settings, s);
      assert.equal(j.progress, null);
      assert.equal(j.stats, null);
      const got = await store.getJob(j.id);
      assert.deepEqual(got, j);
      assert.deepEqual(await store.getJob(j.id, acc1), j);
      assert.equal(await store.getJob(j.id, acc2), undefined, 'another account cannot see it');
      assert.equal(await store.getJob(1), undefined);
      assert.equal(await store.getJob(Number.NaN), undefined);
      assert.equal(await store.getJob(1e20), undefined);
      const k = await store.createJob(newJob(acc1, 'https://x.example/', null, { status: STATUS.DIAG_PENDING, createdAt: 42 }));
      assert.equal(k.status, STATUS.DIAG_PENDING);
      assert.equal(k.createdAt, 42);
      assert.ok(k.id > j.id);
    });

    test('headers are sealed at rest', async () => {
      const cookie = `sid=${randomBytes(12).toString('hex')}`;
      const j = await store.createJob({
        accountId: acc1,
        startUrl: 'https://secret.example/',
        memo: null,
        masterId: null,
        settings: settings('https://secret.example/', { Cookie: cookie, 'X-Token': 'tkn-' + cookie }),
      });
      const raw = await sql<Record<string, unknown>>`SELECT * FROM jobs WHERE id = ${j.id}`.execute(store.db);
      const rowText = JSON.stringify(raw.rows[0]);
      assert.ok(!rowText.includes(cookie), 'cookie value not stored in clear');
      assert.ok(rowText.includes('secret.example'), 'sanity: the row is the right one');
      const enc = raw.rows[0]!.headers_enc as string;
      assert.deepEqual(JSON.parse(sealer.open(enc)), { Cookie: cookie, 'X-Token': 'tkn-' + cookie });
      assert.equal((await store.getJob(j.id))?.settings.headers.Cookie, cookie);
    });

    describe('listJobs', () => {
      let acc: number;
      const created: number[] = [];
      before(async () => {
        acc = (await store.createAccount('lister')).id;
        const specs: [string, string | null, JobStatus][] = [
          ['https://www.Example.com/a', 'Nightly RUN', STATUS.DIAG_DONE],
          ['https://shop.example.com/b', 'weekly run', STATUS.CRAWL_PENDING],
          ['https://api.test/100%_sure', 'discount 100% off', STATUS.DIAG_DONE],
          ['https://api.test/plain', 'snake_case memo', STATUS.DIAG_FAILED],
          ['https://other.org/x', null, STATUS.CANCELED],
          ['https://other.org/back\\slash', 'path a\\b', STATUS.DIAG_DONE],
        ];
        for (const [u, m, st] of specs) created.push((await store.createJob(newJob(acc, u, m, { status: st }))).id);
        // noise in another account must never show up
        await store.createJob(newJob(acc2, 'https://www.example.com/a', 'Nightly run'));
      });

      test('newest first, total, paging', async () => {
        const all = await store.listJobs(acc, { limit: 10, offset: 0 });
        assert.equal(all.total, 6);
        assert.deepEqual(
          all.rows.map((r) => r.id),
          [...created].reverse(),
        );
        const p2 = await store.listJobs(acc, { limit: 4, offset: 4 });
        assert.equal(p2.total, 6);
        assert.deepEqual(
          p2.rows.map((r) => r.id),
          [created[1], created[0]],
        );
        const past = await store.listJobs(acc, { limit: 4, offset: 40 });
        assert.deepEqual(past, { total: 6, rows: [] });
        assert.equal((await store.listJobs(acc, { limit: 0, offset: 0 })).total, 6);
      });

      test('search by url, memo, either; case-insensitive', async () => {
        const ids = async (q: Parameters<KyselyStore['listJobs']>[1]) => (await store.listJobs(acc, q)).rows.map((r) => r.id);
        assert.deepEqual(await ids({ limit: 10, offset: 0, searchType: 'url', keyword: 'EXAMPLE.COM' }), [created[1], created[0]]);
        assert.deepEqual(await ids({ limit: 10, offset: 0, searchType: 'memo', keyword: 'RUN' }), [created[1], created[0]]);
        assert.deepEqual(await ids({ limit: 10, offset: 0, searchType: 'url', keyword: 'run' }), []);
        assert.deepEqual(await ids({ limit: 10, offset: 0, searchType: '', keyword: 'other' }), [created[5], created[4]]);
        // '' matches url or memo
        assert.deepEqual(await ids({ limit: 10, offset: 0, searchType: '', keyword: 'weekly' }), [created[1]]);
        assert.deepEqual(await ids({ limit: 10, offset: 0, searchType: '', keyword: 'shop' }), [created[1]]);
        const r = await store.listJobs(acc, { limit: 1, offset: 1, searchType: 'url', keyword: 'example' });
        assert.equal(r.total, 2);
        assert.deepEqual(
          r.rows.map((x) => x.id),
          [created[0]],
        );
        assert.equal((await store.listJobs(acc, { limit: 10, offset: 0, keyword: '' })).total, 6, 'empty keyword matches all');
      });

      test('LIKE wildcards and the escape character are literal', async () => {
        const ids = async (searchType: 'url' | 'memo' | '', keyword: string) =>
          (await store.listJobs(acc, { limit: 10, offset: 0, searchType, keyword })).rows.map((r) => r.id);
        assert.deepEqual(await ids('memo', '%'), [created[2]]);
        assert.deepEqual(await ids('url', '%'), [created[2]]);
        assert.deepEqual(await ids('memo', '_'), [created[3]]);
        assert.deepEqual(await ids('url', '%_'), [created[2]]);
        assert.deepEqual(await ids('', '_'), [created[3], created[2]]);
        assert.deepEqual(await ids('url', '\\'), [created[5]]);
        assert.deepEqual(await ids('memo', 'a\\b'), [created[5]]);
        assert.deepEqual(await ids('url', 'ap_'), [], '_ is not a single-character wildcard');
      });

      test('status filter, alone and with search', async () => {
        const done = await store.listJobs(acc, { limit: 10, offset: 0, status: STATUS.DIAG_DONE });
        assert.equal(done.total, 3);
        assert.deepEqual(
          done.rows.map((r) => r.id),
          [created[5], created[2], created[0]],
        );
        const doneOther = await store.listJobs(acc, { limit: 10, offset: 0, status: STATUS.DIAG_DONE, searchType: 'url', keyword: 'api.test' });
        assert.deepEqual(
          doneOther.rows.map((r) => r.id),
          [created[2]],
        );
        assert.equal(doneOther.total, 1);
        assert.equal((await store.listJobs(acc, { limit: 10, offset: 0, status: STATUS.STOPPED })).total, 0);
        assert.equal((await store.listJobs(acc, { limit: 10, offset: 0, status: null })).total, 6);
      });

      test('dense matches beyond the search probe page and count correctly', async () => {
        const big = (await store.createAccount('bulk-lister')).id;
        const n = 2500;
        const jobs = Array.from({ length: n }, (_, i) =>
          newJob(big, `https://h${i % 10}.dense.test/p/${i}`, i % 2 === 0 ? `even ${i}` : `odd ${i}`, {
            status: i % 3 === 0 ? STATUS.DIAG_DONE : STATUS.CRAWL_PENDING,
          }),
        );
        assert.equal(await store.createJobsBulk(jobs), n);
        const all = await store.listJobs(big, { limit: 20, offset: 0 });
        assert.equal(all.total, n);
        const newest = all.rows[0]!.id;
        const dense = await store.listJobs(big, { limit: 20, offset: 40, searchType: 'url', keyword: 'DENSE.test' });
        assert.equal(dense.total, n);
        assert.deepEqual(
          dense.rows.map((r) => r.id),
          Array.from({ length: 20 }, (_, i) => newest - 40 - i),
        );
        const even = await store.listJobs(big, { limit: 5, offset: 0, searchType: 'memo', keyword: 'even' });
        assert.equal(even.total, n / 2);
        assert.ok(even.rows.every((r) => r.memo?.startsWith('even')));
        const h3 = await store.listJobs(big, { limit: 10, offset: 0, searchType: 'url', keyword: 'h3.dense' });
        assert.equal(h3.total, n / 10);
        // deep page: past the probe, served by the count + offset path
        const deep = await store.listJobs(big, { limit: 10, offset: 1995, searchType: '', keyword: 'dense' });
        assert.equal(deep.total, n);
        assert.deepEqual(
          deep.rows.map((r) => r.id),
          Array.from({ length: 10 }, (_, i) => newest - 1995 - i),
        );
        const statusSearch = await store.listJobs(big, { limit: 3, offset: 0, status: STATUS.DIAG_DONE, searchType: 'memo', keyword: 'odd' });
        // i odd and i % 3 == 0: i = 3, 9, 15, ... (i % 6 == 3)
        assert.equal(statusSearch.total, Math.ceil((n - 3) / 6));
        const rare = await store.listJobs(big, { limit: 10, offset: 0, searchType: 'url', keyword: '/p/1234' });
        assert.equal(rare.total, 1);
        assert.equal(rare.rows[0]?.startUrl, 'https://h4.dense.test/p/1234');
      });
    });

    describe('transitions', () => {
      test('guarded: repeated transition is a no-op', async () => {
        const j = await store.createJob(newJob(acc1, 'https://t.example/', null));
        assert.equal(await store.transition(j.id, [STATUS.CRAWL_PENDING], STATUS.CRAWL_RUNNING, { startedAt: 5, runnerId: 'r1', heartbeatAt: 6 }), true);
        assert.equal(await store.transition(j.id, [STATUS.CRAWL_PENDING], STATUS.CRAWL_RUNNING, { startedAt: 7 }), false);
        const got = await store.getJob(j.id);
        assert.equal(got?.status, STATUS.CRAWL_RUNNING);
        assert.equal(got?.startedAt, 5, 'the losing patch was not applied');
        assert.equal(got?.runnerId, 'r1');
        assert.equal(got?.heartbeatAt, 6);
        assert.equal(await store.transition(j.id, [], STATUS.CANCELED), false);
        assert.equal(await store.transition(999_999, [STATUS.CRAWL_RUNNING], STATUS.STOPPING), false);
        assert.equal(await store.transition(j.id, [STATUS.CRAWL_PENDING, STATUS.CRAWL_RUNNING], STATUS.STOPPING), true);
        assert.equal((await store.getJob(j.id))?.status, STATUS.STOPPING);
      });

      test('50 concurrent transitions from the same state: exactly one wins', async () => {
        const j = await store.createJob(newJob(acc1, 'https://race.example/', null, { status: STATUS.DIAG_RUNNING }));
        const results = await Promise.all(
          Array.from({ length: 50 }, (_, i) => store.transition(j.id, [STATUS.DIAG_RUNNING], STATUS.STOPPING, { resultDesc: `caller ${i}` })),
        );
        assert.equal(results.filter(Boolean).length, 1);
        const winner = results.indexOf(true);
        assert.equal((await store.getJob(j.id))?.resultDesc, `caller ${winner}`);
      });

      test('updateJob with and without onlyIn', async () => {
        const j = await store.createJob(newJob(acc1, 'https://u.example/', null));
        const stats = { requests: 10, durationMs: 2000, crawlMs: 500, scanMs: 1500, urls: 3 };
        assert.equal(await store.updateJob(j.id, { progress: 40, crawlCount: 3, stats }, [STATUS.CRAWL_PENDING]), true);
        let got = await store.getJob(j.id);
        assert.equal(got?.progress, 40);
        assert.equal(got?.crawlCount, 3);
        assert.deepEqual(got?.stats, stats);
        assert.equal(got?.status, STATUS.CRAWL_PENDING, 'status untouched');
        assert.equal(await store.updateJob(j.id, { progress: 90 }, [STATUS.DIAG_RUNNING]), false);
        assert.equal((await store.getJob(j.id))?.progress, 40);
        assert.equal(await store.updateJob(j.id, { progress: 55.5, scanCount: 2, endedAt: 99, resultDesc: 'ok' }), true);
        got = await store.getJob(j.id);
        assert.equal(got?.progress, 55.5);
        assert.equal(got?.scanCount, 2);
        assert.equal(got?.endedAt, 99);
        assert.equal(got?.resultDesc, 'ok');
        assert.equal(await store.updateJob(j.id, { stats: null, runnerId: null }), true);
        assert.equal((await store.getJob(j.id))?.stats, null);
        assert.equal(await store.updateJob(j.id, {}, [STATUS.CRAWL_PENDING]), true, 'empty patch reports the guard');
        assert.equal(await store.updateJob(j.id, {}, [STATUS.DIAG_DONE]), false);
        assert.equal(await store.updateJob(999_999, { progress: 1 }), false);
        assert.equal(await store.updateJob(j.id, { progress: 1 }, []), false);
      });

      test('jobsInStatus: oldest first across accounts', async () => {
        const a = await store.createJob(newJob(acc1, 'https://q1.example/', null, { status: STATUS.STOPPED }));
        const b = await store.createJob(newJob(acc2, 'https://q2.example/', null, { status: STATUS.STOPPED }));
        const c = await store.createJob(newJob(acc1, 'https://q3.example/', null, { status: STATUS.STOPPED }));
        assert.deepEqual(
          (await store.jobsInStatus([STATUS.STOPPED])).map((r) => r.id),
          [a.id, b.id, c.id],
        );
        assert.deepEqual(
          (await store.jobsInStatus([STATUS.STOPPED], 2)).map((r) => r.id),
          [a.id, b.id],
        );
        const mixed = await store.jobsInStatus([STATUS.STOPPED, STATUS.STOPPING]);
        assert.ok(mixed.length >= 4, 'includes the STOPPING jobs from the tests above');
        assert.deepEqual(
          mixed.map((r) => r.id),
          [...mixed.map((r) => r.id)].sort((x, y) => x - y),
        );
        assert.deepEqual(await store.jobsInStatus([]), []);
      });
    });

    test('slaves (re-diagnosis jobs) by master, scoped, oldest first', async () => {
      const m1 = await store.createJob(newJob(acc1, 'https://m.example/', 'master'));
      const m2 = await store.createJob(newJob(acc1, 'https://m2.example/', 'master 2'));
      const s1 = await store.createJob(newJob(acc1, 'https://m.example/', 'rescan 1', { masterId: m1.id }));
      const s2 = await store.createJob(newJob(acc1, 'https://m2.example/', 'rescan 2', { masterId: m2.id }));
      const s3 = await store.createJob(newJob(acc1, 'https://m.example/', 'rescan 3', { masterId: m1.id }));
      assert.equal(s1.masterId, m1.id);
      assert.deepEqual(
        (await store.listSlaves(acc1, [m1.id])).map((r) => r.id),
        [s1.id, s3.id],
      );
      assert.deepEqual(
        (await store.listSlaves(acc1, [m1.id, m2.id])).map((r) => r.id),
        [s1.id, s2.id, s3.id],
      );
      assert.deepEqual(await store.listSlaves(acc2, [m1.id]), [], 'another account sees none');
      assert.deepEqual(await store.listSlaves(acc1, []), []);
    });

    test('findings: dedupe by item, url path, parameter, code path; insertion order', async () => {
      const j = await store.createJob(newJob(acc1, 'https://f.example/', null));
      const f1 = finding('https://f.example/search?q=1', 'q');
      assert.equal(await store.addFinding(j.id, f1), true);
      assert.equal(await store.addFinding(j.id, finding('https://f.example/search?q=2&x=1', 'q')), false, 'same path and parameter');
      const f2 = finding('https://f.example/search', 'x');
      assert.equal(await store.addFinding(j.id, f2), true);
      const f3 = finding('https://f.example/search', 'q', 'SQL Injection');
      assert.equal(await store.addFinding(j.id, f3), true);
      const f4 = { ...finding('https://f.example/\u0000odd', null), extra: { probe: ['/tmp/x'] } };
      assert.equal(await store.addFinding(j.id, f4), true);
      assert.equal(await store.addFinding(j.id, { ...f4, title: 'again' }), false);
      // the same parameter on two code paths of one path (see findingKey) is two rows
      const f5 = { ...finding('https://f.example/index.php?page=a&q=1', 'q'), codePath: 'page=a' };
      const f6 = { ...finding('https://f.example/index.php?page=b&q=1', 'q'), codePath: 'page=b' };
      assert.equal(await store.addFinding(j.id, f5), true);
      assert.equal(await store.addFinding(j.id, f6), true, 'another code path');
      assert.equal(await store.addFinding(j.id, { ...f5, url: 'https://f.example/index.php?q=2&page=a' }), false, 'the same code path');
      const other = await store.createJob(newJob(acc1, 'https://f.example/', null));
      assert.equal(await store.addFinding(other.id, f1), true, 'dedupe is per job');
      assert.deepEqual(await store.listFindings(j.id), [f1, f2, f3, f4, f5, f6]);
      assert.equal(await store.countFindings(j.id), 6);
      assert.equal(await store.countFindings(other.id), 1);
      assert.deepEqual(await store.listFindings(999_999), []);
      const dup = await Promise.all(Array.from({ length: 10 }, () => store.addFinding(other.id, f2)));
      assert.equal(dup.filter(Boolean).length, 1, 'concurrent duplicates store one row');
    });

    test('urls: chunked batch insert, order kept', async () => {
      const j = await store.createJob(newJob(acc1, 'https://urls.example/', null));
      const urls = Array.from({ length: 1234 }, (_, i) => ({ method: i % 7 === 0 ? 'POST' : 'GET', url: `https://urls.example/p/${i}?a=${i}` }));
      await store.addUrls(j.id, urls.slice(0, 1000));
      await store.addUrls(j.id, urls.slice(1000));
      await store.addUrls(j.id, []);
      assert.deepEqual(await store.listUrls(j.id), urls);
      assert.deepEqual(await store.listUrls(999_999), []);
    });

    test('migrate() again is a no-op', async () => {
      const before = await sql<{ version: number; applied_at: number }>`SELECT version, applied_at FROM wsc_migrations ORDER BY version`.execute(store.db);
      assert.ok(before.rows.length >= 1);
      const jobsBefore = (await store.listJobs(acc1, { limit: 1, offset: 0 })).total;
      const r = await store.migrateWithResult();
      assert.deepEqual(r.applied, []);
      await store.migrate();
      const after = await sql<{ version: number; applied_at: number }>`SELECT version, applied_at FROM wsc_migrations ORDER BY version`.execute(store.db);
      assert.deepEqual(after.rows, before.rows);
      assert.equal((await store.listJobs(acc1, { limit: 1, offset: 0 })).total, jobsBefore);
      if (store.dialect === 'postgres') {
        const avail = await sql<{ n: number }>`SELECT count(*)::int AS n FROM pg_available_extensions WHERE name = 'pg_trgm'`.execute(store.db);
        assert.equal(r.trigramIndexes, avail.rows[0]!.n > 0, 'trigram indexes exactly when the server has pg_trgm');
      }
    });

    test('reopen after close keeps data', async () => {
      const j = await store.createJob({
        accountId: acc1,
        startUrl: 'https://persist.example/',
        memo: 'persist',
        masterId: null,
        settings: settings('https://persist.example/', { cookie: 'keep=1' }),
      });
      await store.addFinding(j.id, finding('https://persist.example/a', 'p'));
      await store.close();
      await store.close(); // idempotent
      store = await target.open();
      assert.deepEqual(await store.getJob(j.id), j);
      assert.equal(await store.countFindings(j.id), 1);
      assert.equal((await store.getAccountByName('alpha'))?.id, acc1);
      const next = await store.createJob(newJob(acc1, 'https://persist.example/2', null));
      assert.ok(next.id > j.id, 'the id sequence continues');
    });

    test('admin flag, reservations: startable only when due, guarded start', async () => {
      const adm = await store.createAccount('root-ish', { admin: true });
      assert.equal(adm.admin, true);
      assert.equal((await store.getAccount(acc2))?.admin, false);
      await store.setAccountAdmin(acc2, true);
      assert.equal((await store.getAccount(acc2))?.admin, true);
      await store.setAccountAdmin(acc2, false);

      const reserved = await store.createJob(newJob(acc2, 'https://reserve.example/', null, { reservedAt: 5_000_000_000_000 }));
      assert.equal(reserved.reservedAt, 5_000_000_000_000);
      assert.equal(reserved.status, STATUS.CRAWL_PENDING);
      assert.equal(await store.startPending(reserved.id, 4_999_999_999_999, { runnerId: 'r' }), false);
      assert.deepEqual((await store.reservationsDue(0, 5_000_000_000_000)).map((j) => j.id), [reserved.id]);
      assert.deepEqual(await store.reservationsDue(5_000_000_000_000, 6_000_000_000_000), []);
      assert.equal(await store.startPending(reserved.id, 5_000_000_000_000, { runnerId: 'r' }), true);
      assert.equal(await store.startPending(reserved.id, 5_000_000_000_000, { runnerId: 'r2' }), false, 'once');
      assert.equal((await store.getJob(reserved.id))?.status, STATUS.CRAWL_RUNNING);
    });

    test('job ends claimed once for notifications; findings by severity', async () => {
      const j = await store.createJob(newJob(acc2, 'https://notify.example/', null));
      await store.addFinding(j.id, finding('https://notify.example/x', 'q'));
      assert.ok(await store.transition(j.id, [STATUS.CRAWL_PENDING], STATUS.DIAG_DONE));
      assert.ok((await store.endedUnnotified([STATUS.DIAG_DONE], 1000)).some((x) => x.id === j.id));
      const claims = await Promise.all([store.claimJobEnd(j.id), store.claimJobEnd(j.id), store.claimJobEnd(j.id)]);
      assert.equal(claims.filter(Boolean).length, 1);
      assert.ok(!(await store.endedUnnotified([STATUS.DIAG_DONE], 1000)).some((x) => x.id === j.id));
      assert.equal((await store.listFindingsBySeverity(j.id, 'high')).length, 1);
      assert.equal((await store.listFindingsBySeverity(j.id, 'low')).length, 0);
    });

    test('schedules: sealed job, due list, one guarded claim per run, runs recorded once', async () => {
      const s = await store.schedules.create({
        accountId: acc2, name: 'n', spec: { Every: 'daily', At: '01:00' }, cron: '0 1 * * *', timezone: 'UTC', maxRuns: null,
        skipIfRunning: true, enabled: true, nextRunAt: 1000, job: { StartUrl: 'https://s.example/', Headers: { Cookie: 'sid=secret' } }, createdAt: 1,
      });
      assert.equal(s.runCount, 0);
      assert.deepEqual(s.job.Headers, { Cookie: 'sid=secret' });
      const raw = await sql<{ job_enc: string }>`SELECT job_enc FROM schedules WHERE id = ${s.id}`.execute(store.db);
      assert.ok(!raw.rows[0]?.job_enc.includes('sid=secret'), 'the job is sealed at rest');
      assert.deepEqual((await store.schedules.due(999, 10)).map((x) => x.id), []);
      assert.deepEqual((await store.schedules.due(1000, 10)).map((x) => x.id), [s.id]);
      const claims = await Promise.all([1, 2, 3, 4].map(() => store.schedules.claim(s.id, 1000, 2000, true, 1000)));
      assert.equal(claims.filter(Boolean).length, 1, 'exactly one claim of the run due at 1000');
      const after1 = await store.schedules.get(s.id, acc2);
      assert.equal(after1?.runCount, 1);
      assert.equal(after1?.nextRunAt, 2000);
      assert.equal(await store.schedules.get(s.id, acc1), undefined, 'tenant scoped');
      await store.schedules.recordRun({ scheduleId: s.id, dueAt: 1000, at: 1000, outcome: 'created', instanceId: null, error: null });
      await store.schedules.recordRun({ scheduleId: s.id, dueAt: 1000, at: 1001, outcome: 'created', instanceId: null, error: null });
      assert.equal((await store.schedules.runs(s.id, 10)).length, 1);
      await store.schedules.update(s.id, acc2, { enabled: false });
      assert.equal(await store.schedules.claim(s.id, 2000, 3000, true, 2000), false, 'a paused schedule is not claimed');
      assert.equal(await store.schedules.remove(s.id, acc1), false);
      assert.equal(await store.schedules.remove(s.id, acc2), true);
      assert.equal((await store.schedules.runs(s.id, 10)).length, 0, 'runs go with their schedule');
    });

    test('notification channels and deliveries: sealed secret, one lease per attempt, settings', async () => {
      const c = await store.notify.createChannel({ accountId: acc2, kind: 'webhook', name: 'w', url: 'https://hook.example/', to: [], events: ['job.completed'], enabled: true, secret: 'abcdefghijklmnopWXYZ', createdAt: 1 });
      assert.equal(c.secret, 'abcdefghijklmnopWXYZ');
      assert.equal(c.secretHint, 'WXYZ');
      const raw = await sql<{ secret_enc: string }>`SELECT secret_enc FROM notify_channels WHERE id = ${c.id}`.execute(store.db);
      assert.ok(!raw.rows[0]?.secret_enc.includes('abcdefghijklmnop'));
      const d = await store.notify.createDelivery({ channelId: c.id, event: 'job.completed', instanceId: null, payload: '{}', createdAt: 10, nextAttemptAt: 10 });
      assert.deepEqual((await store.notify.dueDeliveries(9, 10)).map((x) => x.id), []);
      assert.deepEqual((await store.notify.dueDeliveries(10, 10)).map((x) => x.id), [d.id]);
      const leases = await Promise.all([1, 2, 3].map(() => store.notify.leaseDelivery(d.id, 10, 100)));
      assert.equal(leases.filter(Boolean).length, 1);
      await store.notify.finishAttempt(d.id, { status: 'pending', attempt: 1, response: 'HTTP 500', error: 'x', attempts: [{ at: 10, response: 'HTTP 500', error: 'x' }], nextAttemptAt: 50, deliveredAt: null });
      const back = await store.notify.getDelivery(d.id);
      assert.equal(back?.attempt, 1);
      assert.deepEqual(back?.attempts, [{ at: 10, response: 'HTTP 500', error: 'x' }]);
      assert.equal((await store.notify.listDeliveries(c.id, 10)).length, 1);
      await store.notify.putSetting('smtp', '{"url":"smtp://u:p@h:25"}', 1);
      await store.notify.putSetting('smtp', '{"url":"smtp://u:p2@h:25"}', 2);
      assert.equal(await store.notify.getSetting('smtp'), '{"url":"smtp://u:p2@h:25"}');
      assert.equal(await store.notify.getSetting('nothing'), undefined);
      // acc2 has an enabled channel, acc1 none: only acc1's ended job is settled in bulk
      const watched = await store.createJob(newJob(acc2, 'https://watched.example/', null, { status: STATUS.DIAG_DONE }));
      const unwatched = await store.createJob(newJob(acc1, 'https://unwatched.example/', null, { status: STATUS.DIAG_DONE }));
      assert.ok((await store.settleUnwatchedEnds([STATUS.DIAG_DONE])) >= 1);
      const left = (await store.endedUnnotified([STATUS.DIAG_DONE], 10_000)).map((x) => x.id);
      assert.ok(left.includes(watched.id));
      assert.ok(!left.includes(unwatched.id));
      assert.equal(await store.notify.removeChannel(c.id, acc1), false);
      assert.equal(await store.notify.removeChannel(c.id, acc2), true);
      assert.equal(await store.notify.getDelivery(d.id), undefined, 'deliveries go with their channel');
    });
  });
}

// SQLite in a temp dir
{
  const dir = mkdtempSync(join(tmpdir(), 'wsc-store-'));
  storeSuite({
    name: 'sqlite',
    open: () => openKyselyStore({ dataDir: dir, sealer }),
    cleanup: async () => rmSync(dir, { recursive: true, force: true }),
  });
}

// PostgreSQL in a throw-away schema
const pgUrl = process.env.WSC_TEST_DATABASE_URL;
if (pgUrl) {
  const schema = `wsc_test_${randomBytes(6).toString('hex')}`;
  const dataDir = mkdtempSync(join(tmpdir(), 'wsc-store-pg-'));
  storeSuite({
    name: 'postgres',
    open: () => openKyselyStore({ databaseUrl: pgUrl, dataDir, sealer, pgSchema: schema }),
    cleanup: async () => {
      const s = await openKyselyStore({ databaseUrl: pgUrl, dataDir, sealer, pgSchema: schema });
      try {
        await sql`DROP SCHEMA ${sql.id(schema)} CASCADE`.execute(s.db);
      } finally {
        await s.close();
        rmSync(dataDir, { recursive: true, force: true });
      }
    },
  });
} else {
  test('store (postgres)', { skip: 'set WSC_TEST_DATABASE_URL to run the PostgreSQL suite' }, () => {});
}

describe('openStore', () => {
  test('rejects a non-postgres URL and a bad schema name', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'wsc-store-bad-'));
    try {
      await assert.rejects(openStore({ databaseUrl: 'mysql://x', dataDir: dir, sealer }), /postgres:\/\//);
      await assert.rejects(openStore({ databaseUrl: 'postgres://127.0.0.1:1/x', dataDir: dir, sealer, pgSchema: 'Bad-Name' }), /identifier/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('concurrent first opens migrate once (SQLite, and PostgreSQL when configured)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'wsc-store-race-'));
    const schema = `wsc_test_race_${randomBytes(6).toString('hex')}`;
    const variants = [{ dataDir: dir, sealer }, ...(pgUrl ? [{ databaseUrl: pgUrl, dataDir: dir, sealer, pgSchema: schema }] : [])];
    try {
      for (const opts of variants) {
        // in one process, SQLite's stores share nothing but the file: the same locking as two processes
        const stores = await Promise.all([0, 1, 2].map(() => openKyselyStore(opts)));
        try {
          const rows = await sql<{ version: number }>`SELECT version FROM wsc_migrations`.execute(stores[0]!.db);
          assert.deepEqual(rows.rows.map((r) => Number(r.version)).sort(), MIGRATIONS.map((m) => m.version));
          const a = await stores[1]!.createAccount('race');
          assert.equal((await stores[2]!.getAccountByName('race'))?.id, a.id);
          const job = await stores[0]!.createJob(newJob(a.id, 'https://race.example/', null));
          await Promise.all(stores.map((st, i) => st.addUrls(job.id, Array.from({ length: 600 }, (_, k) => ({ method: 'GET', url: `https://race.example/${i}/${k}` })))));
          assert.equal((await stores[2]!.listUrls(job.id)).length, 1800);
          if (stores[0]!.dialect === 'postgres') await sql`DROP SCHEMA ${sql.id(schema)} CASCADE`.execute(stores[0]!.db);
        } finally {
          for (const st of stores) await st.close();
        }
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('assets stored before origin assets existed keep their rows and meaning after the migration', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'wsc-store-v2-'));
    try {
      const database = new BetterSqlite3(join(dir, SQLITE_FILE));
      await runMigrations(undefined as never, { dialect: 'sqlite', database, migrations: MIGRATIONS.filter((m) => m.version < 3) });
      database.prepare(`INSERT INTO accounts (id, name, created_at) VALUES (7, 'old', 1)`).run();
      database.prepare(`INSERT INTO assets (account_id, kind, value, source, created_at) VALUES (7, 'host', 'old.example', 'verified', 2), (7, 'cidr', '10.0.0.0/8', 'admin', 3)`).run();
      database.close();
      const store = await openKyselyStore({ dataDir: dir, sealer });
      try {
        assert.deepEqual((await store.listAssets(7)).map((a) => [a.kind, a.value, a.source]), [
          ['host', 'old.example', 'verified'],
          ['cidr', '10.0.0.0/8', 'admin'],
        ]);
        const next = await store.addAsset(7, 'origin', 'http://old.example:8080', 'verified');
        assert.ok(next.id > 2, 'ids continue after the rebuilt table');
      } finally {
        await store.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('SQLite survives kill -9 mid-write and reopens cleanly', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'wsc-store-kill-'));
    try {
      const fixture = fileURLToPath(new URL('./sqlite-writer-fixture.ts', import.meta.url));
      const child = spawn(process.execPath, ['--import', 'tsx', fixture, dir], { stdio: ['ignore', 'pipe', 'pipe'] });
      let lastCommitted = 0;
      let committed = 0;
      let stderr = '';
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on('exit', (_code, signal) => resolve(signal)));
      await new Promise<void>((resolve, reject) => {
        let buf = '';
        child.stdout.on('data', (d: Buffer) => {
          buf += d.toString();
          const lines = buf.split('\n');
          buf = lines.pop() ?? '';
          for (const l of lines) {
            lastCommitted = Number(l);
            committed++;
          }
          if (committed >= 30) {
            child.kill('SIGKILL');
            resolve();
          }
        });
        child.on('exit', () => reject(new Error(`writer exited early: ${stderr}`)));
      });
      assert.equal(await exited, 'SIGKILL');
      assert.ok(lastCommitted >= FIRST_JOB_ID);

      const check = new BetterSqlite3(join(dir, SQLITE_FILE));
      try {
        assert.equal(check.pragma('integrity_check', { simple: true }), 'ok');
      } finally {
        check.close();
      }
      const store = await openKyselyStore({ dataDir: dir, sealer: createSealer(masterKeyFromString('kill-test')) });
      try {
        const account = await store.getAccountByName('writer');
        assert.ok(account);
        const { total, rows } = await store.listJobs(account.id, { limit: 1000, offset: 0 });
        assert.ok(total >= committed, `${total} jobs kept, ${committed} reported committed`);
        assert.ok(rows.some((r) => r.id === lastCommitted));
        for (const r of rows) {
          const n = (await store.listUrls(r.id)).length;
          assert.ok(n === 0 || n === WRITER_URLS_PER_JOB, `job ${r.id} has ${n} urls: a transaction was torn`);
        }
        assert.equal((await store.listUrls(lastCommitted)).length, WRITER_URLS_PER_JOB);
        const fresh = await store.createJob(newJob(account.id, 'https://after.example/', null));
        assert.ok(fresh.id > lastCommitted);
      } finally {
        await store.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
