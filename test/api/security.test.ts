// The service attacked by accounts with ordinary API keys, on loopback: proving one port must not
// give the whole host (or the wsc server), the ownership check must not work as a port scanner,
// replays and floods of made-up keys must cost little, and secrets must stay out of files others
// can read and out of stdout. With WSC_ROBUST_OUT set, the figures go to bench:robust.
import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { Resolver } from 'node:dns/promises';
import { statSync } from 'node:fs';
import { createServer, type AddressInfo, type Server } from 'node:net';
import { Writable } from 'node:stream';
import { after, before, test } from 'node:test';
import { request } from 'undici';
import { createLogger } from '../../src/core/log.js';
import { provenAsset } from '../../src/jobs/verify-asset.js';
import { record } from '../hostile/harness.js';
import { send, signedHeaders, startTestServer, type Key, type TestServer } from '../helpers/server.js';
import { startSite, type Site } from '../helpers/site.js';

/** A DNS server on 127.0.0.1 that answers TXT queries from `records` (NXDOMAIN otherwise). */
async function startDns(records: Map<string, string[]>): Promise<{ port: number; close(): Promise<void> }> {
  const sock = createSocket('udp4');
  sock.on('message', (msg, rinfo) => {
    let i = 12;
    const labels: string[] = [];
    while (i < msg.length && msg[i] !== 0) {
      const len = msg[i]!;
      labels.push(msg.subarray(i + 1, i + 1 + len).toString('latin1'));
      i += 1 + len;
    }
    const question = msg.subarray(12, i + 5);
    const qtype = msg.readUInt16BE(i + 1);
    const values = qtype === 16 ? records.get(labels.join('.').toLowerCase()) : undefined;
    const header = Buffer.alloc(12);
    msg.copy(header, 0, 0, 2);
    header.writeUInt16BE(values ? 0x8180 : 0x8183, 2);
    header.writeUInt16BE(1, 4);
    header.writeUInt16BE(values?.length ?? 0, 6);
    const answers = (values ?? []).map((v) => {
      const text = Buffer.from(v, 'latin1');
      const rr = Buffer.alloc(12);
      rr.writeUInt16BE(0xc00c, 0);
      rr.writeUInt16BE(16, 2);
      rr.writeUInt16BE(1, 4);
      rr.writeUInt32BE(5, 6);
      rr.writeUInt16BE(text.length + 1, 10);
      return Buffer.concat([rr, Buffer.from([text.length]), text]);
    });
    sock.send(Buffer.concat([header, question, ...answers]), rinfo.port, rinfo.address);
  });
  await new Promise<void>((r) => sock.bind(0, '127.0.0.1', r));
  return { port: sock.address().port, close: () => new Promise<void>((r) => sock.close(() => r())) };
}

async function listenRaw(onConn: (s: import('node:net').Socket) => void): Promise<Server> {
  const srv = createServer(onConn);
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  return srv;
}
const portOf = (s: Server): number => (s.address() as AddressInfo).port;

let t: TestServer;
let wscPort: number;
let siteA: Site;
let siteB: Site;
let foreign: Site;
let raw: Server;
let rawConnections = 0;
const rawSockets = new Set<import('node:net').Socket>();
let closedPort: number;
let dns: Awaited<ReturnType<typeof startDns>>;
const txt = new Map<string, string[]>();
const placed = new Map<string, string>();
const logs: string[] = [];

before(async () => {
  // each site serves whatever token was placed for the origin the request names
  const tokenFile = (req: import('node:http').IncomingMessage, res: import('node:http').ServerResponse): void => {
    const body = placed.get(String(req.headers.host));
    res.writeHead(body ? 200 : 404, { 'content-type': 'text/plain' }).end(body ?? 'not here');
  };
  siteA = await startSite({ '/': '<p>a</p>', '/.well-known/wsc-verification.txt': tokenFile });
  siteB = await startSite({ '/': '<p>b</p>', '/.well-known/wsc-verification.txt': tokenFile });
  foreign = await startSite({ '/': '<p>someone else</p>', '/.well-known/wsc-verification.txt': (_q, res) => void res.writeHead(200).end('hello') });
  // an open port that does not speak HTTP: a banner, then the connection closes
  raw = await listenRaw((s) => {
    rawConnections++;
    rawSockets.add(s);
    s.on('close', () => rawSockets.delete(s));
    s.end('SSH-2.0-OpenSSH_9.6\r\n');
  });
  const closed = await listenRaw((s) => s.destroy());
  closedPort = portOf(closed);
  await new Promise<void>((r) => closed.close(() => r()));
  dns = await startDns(txt);
  const resolver = new Resolver({ timeout: 2000, tries: 1 });
  resolver.setServers([`127.0.0.1:${dns.port}`]);
  const sink = new Writable({
    write(chunk: Buffer, _enc, cb) {
      logs.push(chunk.toString('utf8'));
      cb();
    },
  });
  t = await startTestServer({ logger: createLogger('info', sink), txtResolver: (name) => resolver.resolveTxt(name), config: { verifyChecksPerMinute: 0 } });
  wscPort = Number(new URL(t.url).port);
});
after(async () => {
  await t.close();
  for (const s of [siteA, siteB, foreign]) await s.close();
  for (const s of rawSockets) s.destroy();
  await new Promise<void>((r) => raw.close(() => r()));
  await dns.close();
});

const job = (url: string) => ({ StartUrl: url, VulnItems: ['Directory Listing'], UserAgent: 'PC Chrome', Speed: '3' });
const ASSETS_CHECK_FAIL = '{"error":{"errorCode":160451,"message":"Assets_Check_Fail"}}';
const generic = (url: string, where = `${url}/.well-known/wsc-verification.txt`) =>
  JSON.stringify({ error: { errorCode: 160451, message: 'Assets_Check_Fail', details: `token not found at ${where}` } });

async function createJob(key: Key, url: string): Promise<string> {
  const r = await t.call('PUT', '/api/v1/job', job(url), key);
  if (r.status === 200) {
    // the job is not what is under test: stop it so it does not load the machine
    await t.call('PATCH', `/api/v1/jobs/${String(r.headers['x-wsc-instance-no'])}/stop`, undefined, key);
    return 'created';
  }
  return r.text;
}

async function verify(key: Key, url: string, method?: 'dns'): Promise<{ token: string; check: () => ReturnType<TestServer['call']> }> {
  const issued = await t.call('POST', '/api/v1/assets/verify', { url }, key);
  assert.equal(issued.status, 200, issued.text);
  return { token: issued.json.resources.token, check: () => t.call('POST', '/api/v1/assets/verify/check', method ? { url, method } : { url }, key) };
}

test('a token on one plain-http port proves that origin only, not the host, not the wsc server', async () => {
  // dave runs the service on port A (the admin granted him its address); he proves the name too
  const dave = await t.account('dave', [`http://127.0.0.1:${siteA.port}`]);
  const urlA = `http://localhost:${siteA.port}`;
  const v = await verify(dave, urlA);
  const issued = await t.call('POST', '/api/v1/assets/verify', { url: urlA }, dave);
  assert.equal(issued.json.resources.covers, `${urlA} only`);
  assert.deepEqual(issued.json.resources.dns_record, { name: '_wsc-verification.localhost', type: 'TXT', value: v.token, covers: 'localhost, every port' });
  placed.set(`localhost:${siteA.port}`, v.token);
  const ok = await v.check();
  assert.equal(ok.status, 200, ok.text);
  assert.deepEqual(ok.json.resources, { host: 'localhost', verified: true, kind: 'origin', value: urlA, covers: `${urlA} only` });
  const listed = await t.call('GET', '/api/v1/assets', undefined, dave);
  assert.deepEqual(listed.json.resources.assets.map((a: { kind: string; covers: string }) => `${a.kind}: ${a.covers}`), [
    `origin: http://127.0.0.1:${siteA.port} only`,
    `origin: ${urlA} only`,
  ]);
  assert.equal(await createJob(dave, `${urlA}/`), 'created');
  // the attack: before, the proof made dave owner of "localhost" on every port
  assert.equal(await createJob(dave, `http://localhost:${siteB.port}/`), ASSETS_CHECK_FAIL);
  assert.equal(await createJob(dave, `http://localhost:${wscPort}/`), ASSETS_CHECK_FAIL);
  assert.equal(await createJob(dave, `https://localhost:${siteA.port}/`), ASSETS_CHECK_FAIL, 'another scheme is another origin');
});

test('a DNS TXT record proves the host on every port, except the wsc server itself', async () => {
  const erin = await t.account('erin');
  const v = await verify(erin, `http://localhost:${siteB.port}`, 'dns');
  txt.set('_wsc-verification.localhost', ['some-other-value']);
  assert.equal((await v.check()).text, generic('', '_wsc-verification.localhost'));
  txt.set('_wsc-verification.localhost', ['some-other-value', v.token]);
  const ok = await v.check();
  assert.equal(ok.status, 200, ok.text);
  assert.deepEqual(ok.json.resources, { host: 'localhost', verified: true, kind: 'host', value: 'localhost', covers: 'localhost, every port' });
  assert.equal(await createJob(erin, `http://localhost:${siteB.port}/`), 'created');
  assert.equal(await createJob(erin, `http://localhost:${siteA.port}/`), 'created');
  assert.equal(await createJob(erin, `http://localhost:${wscPort}/`), ASSETS_CHECK_FAIL);
  txt.delete('_wsc-verification.localhost');
});

test('what a proof covers: https on the default port proves the host; any other origin only itself', () => {
  assert.deepEqual(provenAsset('https://shop.example', 'file'), { kind: 'host', value: 'shop.example' });
  assert.deepEqual(provenAsset('https://shop.example:8443', 'file'), { kind: 'origin', value: 'https://shop.example:8443' });
  assert.deepEqual(provenAsset('http://shop.example', 'file'), { kind: 'origin', value: 'http://shop.example' });
  assert.deepEqual(provenAsset('http://shop.example:8080', 'dns'), { kind: 'host', value: 'shop.example' });
});

test('existing host assets keep their meaning (every port), and no account may scan the wsc server', async () => {
  const fred = await t.account('fred', ['localhost']);
  assert.equal(await createJob(fred, `http://localhost:${siteA.port}/`), 'created');
  assert.equal(await createJob(fred, `http://localhost:${siteB.port}/`), 'created');
  assert.equal(await createJob(fred, `http://localhost:${wscPort}/`), ASSETS_CHECK_FAIL);
  // the first-start admin owns 127.0.0.0/8 and localhost, but not the service
  assert.equal(await createJob(t.admin, `${t.url}/`), ASSETS_CHECK_FAIL);
  assert.equal(await createJob(t.admin, `http://localhost:${wscPort}/api/v1/jobs`), ASSETS_CHECK_FAIL);
  assert.equal(await createJob(t.admin, `http://127.0.0.1:${siteA.port}/`), 'created');
});

test('verify/check is not a port scanner: closed, non-HTTP, foreign and the server itself answer alike', async () => {
  const auditBefore = logs.join('').split('"audit":"asset-verify"').length - 1;
  const targets = {
    closed: `http://127.0.0.1:${closedPort}`,
    nonHttp: `http://127.0.0.1:${portOf(raw)}`,
    foreign: `http://localhost:${foreign.port}`,
    self: `http://127.0.0.1:${wscPort}`,
    metadata: 'http://169.254.169.254',
    loopbackV6: `http://[::1]:${closedPort}`,
  };
  // mallory owns nothing on this machine: nothing local is even connected to
  const mallory = await t.account('mallory');
  for (const [name, url] of Object.entries(targets)) {
    const r = await (await verify(mallory, url)).check();
    assert.equal(r.status, 400, name);
    assert.equal(r.text, generic(url), name);
  }
  assert.equal(rawConnections, 0, 'the non-HTTP port was never connected to');
  assert.ok(!foreign.hits.some((h) => h.includes('wsc-verification')), 'the foreign service was never asked');

  // olga owns the loopback range: the server connects now, and still says nothing more
  const olga = await t.account('olga', ['127.0.0.0/8', 'localhost']);
  for (const [name, url] of Object.entries(targets)) {
    if (name === 'loopbackV6') continue;
    const r = await (await verify(olga, url)).check();
    assert.equal(r.text, generic(url), `${name} (owned range)`);
  }
  assert.ok(rawConnections > 0, 'with the range owned, the non-HTTP port was tried');
  assert.ok(foreign.hits.some((h) => h.includes('wsc-verification')));

  // one audit line per attempt, with the real reason kept for the operator
  const lines = logs.join('').split('\n').filter((l) => l.includes('"audit":"asset-verify"'));
  const recent = lines.slice(auditBefore);
  assert.equal(recent.length, 11);
  assert.ok(recent.some((l) => /wsc server itself/.test(l)));
  assert.ok(recent.some((l) => /local port the account does not own/.test(l)));
  assert.ok(recent.some((l) => /cloud metadata/.test(l)));
  assert.ok(recent.some((l) => /ECONNREFUSED|other side closed|fetched/.test(l)));
});

test('first start: data dir 0700; database, master key and credentials 0600', () => {
  const mode = (p: string): number => statSync(p).mode & 0o777;
  assert.equal(mode(t.dataDir), 0o700);
  for (const f of ['wsc.db', 'wsc.db-wal', 'master.key', 'credentials']) assert.equal(mode(`${t.dataDir}/${f}`), 0o600, f);
});

test('the console: modules and styles are files, the CSP allows no inline code, the key only in sessionStorage', async () => {
  const page = await request(`${t.url}/`);
  const csp = String(page.headers['content-security-policy']);
  const html = await page.body.text();
  assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval/);
  assert.match(csp, /script-src 'self'/);
  assert.doesNotMatch(html, /<script>|<script type="importmap"|<style|\son[a-z]+=/i);
  assert.match(html, /<script type="module" src="\/js\/app\.js"><\/script>/);
  // every module the page loads, found from app.js through its imports
  const seen = new Set<string>();
  const queue = ['/js/app.js'];
  let storageUsers = 0;
  while (queue.length > 0) {
    const path = queue.shift()!;
    if (seen.has(path)) continue;
    seen.add(path);
    const js = await request(`${t.url}${path}`);
    assert.equal(js.statusCode, 200, path);
    assert.match(String(js.headers['content-type']), /^text\/javascript/, path);
    assert.equal(js.headers['content-security-policy'], csp, path);
    const code = await js.body.text();
    // the console's own modules never parse a string as HTML (Preact itself supports it; it is never asked to)
    if (!path.startsWith('/vendor/')) {
      assert.doesNotMatch(code, /localStorage|document\.cookie|indexedDB|dangerouslySetInnerHTML|innerHTML|outerHTML|insertAdjacentHTML|document\.write|eval\(|new Function/, path);
    }
    if (/sessionStorage/.test(code)) storageUsers++;
    for (const m of code.matchAll(/(?:^|;)\s*import\s*(?:[\w*{}\s,$]+from\s*)?["']([^"']+)["']/gm)) queue.push(new URL(m[1]!, `http://x${path}`).pathname);
  }
  assert.ok(seen.has('/vendor/preact.mjs') && seen.has('/vendor/hooks.mjs') && seen.has('/vendor/htm.mjs'), [...seen].join(' '));
  assert.ok(seen.size >= 12, [...seen].join(' '));
  // one module keeps the key (api.js): nothing else touches storage
  assert.equal(storageUsers, 1);
  const css = await request(`${t.url}/console.css`);
  assert.match(String(css.headers['content-type']), /^text\/css/);
  await css.body.dump();
});

test('replays pass without the guard (as on NCP) and are refused with it; floods of unknown keys cost one lookup per key', async () => {
  const uri = '/api/v1/jobs?limit=10&page=1';
  const headers = signedHeaders('GET', uri, t.admin);
  assert.equal((await send(t.url, 'GET', uri, headers)).status, 200);
  assert.equal((await send(t.url, 'GET', uri, headers)).status, 200, 'NCP accepts a replay inside the window');

  const hard = await startTestServer({
    config: { replayGuard: true, verifyChecksPerMinute: 3, rateLimitPerAddress: 200, rateLimitAddressBurst: 200 },
  });
  try {
    const h = signedHeaders('GET', uri, hard.admin);
    assert.equal((await send(hard.url, 'GET', uri, h)).status, 200);
    const again = await send(hard.url, 'GET', uri, h);
    assert.equal(again.status, 401);
    assert.equal(again.text, '{"error":{"errorCode":"200","message":"Authentication Failed","details":"Invalid authentication information."}}');

    // ownership checks have their own per-account budget
    const vic = await hard.account('victor');
    await hard.call('POST', '/api/v1/assets/verify', { url: `http://127.0.0.1:${closedPort}` }, vic);
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) statuses.push((await hard.call('POST', '/api/v1/assets/verify/check', { url: `http://127.0.0.1:${closedPort}` }, vic)).status);
    assert.deepEqual(statuses, [400, 400, 400, 429, 429]);

    // 10,000 requests with 100 made-up keys, 64 at a time, from one address
    let lookups = 0;
    const store = hard.server.store;
    const getKey = store.getKey.bind(store);
    store.getKey = (k: string) => {
      lookups++;
      return getKey(k);
    };
    const TOTAL = 10_000;
    const KEYS = 100;
    const byStatus: Record<number, number> = {};
    let next = 0;
    const started = Date.now();
    await Promise.all(
      Array.from({ length: 64 }, async () => {
        while (next < TOTAL) {
          const n = next++;
          const key = { accessKey: `UNKNOWNKEY${String(n % KEYS).padStart(10, '0')}`, secretKey: 'x' };
          const r = await send(hard.url, 'GET', uri, signedHeaders('GET', uri, key));
          byStatus[r.status] = (byStatus[r.status] ?? 0) + 1;
        }
      }),
    );
    const ms = Date.now() - started;
    store.getKey = getKey;
    assert.deepEqual(Object.keys(byStatus).sort(), ['401', '429']);
    assert.ok((byStatus[429] ?? 0) > TOTAL / 2, `most of the flood is refused before authentication: ${JSON.stringify(byStatus)}`);
    assert.ok(lookups <= KEYS, `${lookups} lookups for ${KEYS} distinct keys`);
    const fivexx = Object.entries(byStatus).filter(([s]) => Number(s) >= 500).reduce((a, [, n]) => a + n, 0);
    record('security', { cases: TOTAL, distinctKeys: KEYS, lookups, limited: byStatus[429] ?? 0, fivexx, floodMs: ms });
  } finally {
    await hard.close();
  }
});
