// Proxy and trust. A recording proxy of the test forwards plain-http requests (absolute form) and
// opens CONNECT tunnels to https sites as an intercepting proxy does (it ends the tunnel's TLS with
// a certificate of the test CA and forwards each request), so it sees every request of a scan:
// with --proxy, with HTTP_PROXY and with HTTPS_PROXY; NO_PROXY keeps it out. A site under a private
// CA is reported untrusted until --ca-cert names that CA, and a site that wants a client
// certificate answers a scan given --client-cert/--client-key.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer as createHttpServer, request as httpRequest, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer, request as httpsRequest } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TLSSocket } from 'node:tls';
import { after, before, test } from 'node:test';
import { runScan } from '../../src/cli/commands/scan.js';
import type { JsonReport } from '../../src/report/json.js';
import { memoryIo } from '../auth/io.js';
import { startFormApp, type App } from '../testbed/auth-app.js';
import { mintTestCerts, type TestCerts } from '../tls/certs.js';

interface Recorder {
  url: string;
  seen: string[];
  close(): Promise<void>;
}

function track(server: Server): Set<Socket> {
  const sockets = new Set<Socket>();
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
    s.on('error', () => s.destroy());
  });
  return sockets;
}

function forward(target: URL, req: IncomingMessage, res: ServerResponse): void {
  const send = target.protocol === 'https:' ? httpsRequest : httpRequest;
  const out = send(target, { method: req.method, headers: req.headers, rejectUnauthorized: false }, (answer) => {
    res.writeHead(answer.statusCode ?? 502, answer.headers);
    answer.pipe(res);
  });
  out.on('error', () => res.writeHead(502).end());
  req.pipe(out);
}

async function startRecordingProxy(certs: TestCerts): Promise<Recorder> {
  const seen: string[] = [];
  // the tunnels' inside: each request recorded with the host the CONNECT named
  const inside = createHttpServer((req, res) => {
    const host = (req.socket as TLSSocket & { wscHost?: string }).wscHost ?? '';
    const target = new URL(`https://${host}${req.url ?? '/'}`);
    seen.push(`${req.method} ${target.href}`);
    forward(target, req, res);
  });
  const proxy = createHttpServer((req, res) => {
    seen.push(`${req.method} ${req.url}`);
    forward(new URL(req.url ?? ''), req, res);
  });
  proxy.on('connect', (req: IncomingMessage, socket: Socket) => {
    socket.write('HTTP/1.1 200 Connection Established\r\n\r\n');
    const tls = new TLSSocket(socket, { isServer: true, key: certs.good.key, cert: certs.good.cert });
    (tls as TLSSocket & { wscHost?: string }).wscHost = req.url ?? '';
    tls.on('error', () => socket.destroy());
    inside.emit('connection', tls);
  });
  const sockets = track(proxy);
  await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`,
    seen,
    close: () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        proxy.close(() => r());
      }),
  };
}

interface HttpsSite {
  url: string;
  hits: string[];
  close(): Promise<void>;
}

const LISTING = '<html><head><title>Index of /dir</title></head><body><h1>Index of /dir</h1><pre><a href="/">Parent Directory</a>\n<a href="a.txt">a.txt</a>  2024-01-01 10:00  1.2K</pre><address>Apache/2.4.58 Server</address></body></html>';

async function startHttpsSite(tls: { key: string; cert: string; ca?: string; requestCert?: boolean }): Promise<HttpsSite> {
  const hits: string[] = [];
  const server = createHttpsServer({ key: tls.key, cert: tls.cert, ...(tls.ca ? { ca: tls.ca } : {}), ...(tls.requestCert ? { requestCert: true, rejectUnauthorized: true } : {}) }, (req, res) => {
    hits.push(`${req.method} ${req.url}`);
    const path = new URL(req.url ?? '/', 'https://x').pathname;
    if (path === '/') return void res.writeHead(200, { 'content-type': 'text/html' }).end('<a href="/dir/">files</a>');
    if (path === '/dir/') return void res.writeHead(200, { 'content-type': 'text/html' }).end(LISTING);
    res.writeHead(404, { 'content-type': 'text/html' }).end('<p>not found</p>');
  });
  server.on('tlsClientError', (err) => void err);
  const sockets = track(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `https://127.0.0.1:${(server.address() as AddressInfo).port}`,
    hits,
    close: () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  };
}

let certs: TestCerts;
let dir: string;
let proxy: Recorder;
let app: App;
before(async () => {
  certs = mintTestCerts();
  dir = mkdtempSync(join(tmpdir(), 'wsc-transport-'));
  writeFileSync(join(dir, 'ca.pem'), certs.ca.cert);
  proxy = await startRecordingProxy(certs);
  app = await startFormApp({ sessionRequests: 1000 });
});
after(async () => {
  await proxy.close();
  await app.close();
  rmSync(dir, { recursive: true, force: true });
});

/** What the target received, as the proxy names it. */
const asSeen = (origin: string, hits: string[]): string[] => hits.map((h) => h.replace(' ', ` ${origin}`)).sort();
const ofOrigin = (origin: string): string[] => proxy.seen.filter((s) => s.split(' ')[1]?.startsWith(origin + '/')).sort();

test('--proxy: the proxy sees every request of a logged-in scan, the login included', async () => {
  proxy.seen.length = 0;
  app.hits.length = 0;
  const io = memoryIo();
  const run = await runScan({ url: `${app.url}/`, items: 'XSS,Directory Listing', loginUrl: `${app.url}/login`, username: 'alice', password: 'correct horse 9', proxy: proxy.url, speed: '2', tty: false, failOn: 'none' }, io);
  assert.equal(run.exitCode, 0, io.err());
  assert.ok(app.hits.length > 20 && app.hits.includes('POST /login'));
  assert.deepEqual(ofOrigin(app.url), asSeen(app.url, app.hits));
});

test('HTTP_PROXY is used; NO_PROXY keeps the proxy out', async () => {
  proxy.seen.length = 0;
  app.hits.length = 0;
  const io = memoryIo({ HTTP_PROXY: proxy.url });
  assert.equal((await runScan({ url: `${app.url}/`, items: 'Directory Listing', speed: '2', tty: false, failOn: 'none' }, io)).exitCode, 0, io.err());
  assert.ok(app.hits.length > 0);
  assert.deepEqual(ofOrigin(app.url), asSeen(app.url, app.hits));
  proxy.seen.length = 0;
  const io2 = memoryIo({ HTTP_PROXY: proxy.url, NO_PROXY: 'localhost,127.0.0.1' });
  assert.equal((await runScan({ url: `${app.url}/`, items: 'Directory Listing', speed: '2', tty: false, failOn: 'none' }, io2)).exitCode, 0, io2.err());
  assert.deepEqual(proxy.seen, []);
  const io3 = memoryIo();
  assert.equal((await runScan({ url: `${app.url}/`, proxy: 'socks5://127.0.0.1:1', tty: false, failOn: 'none' }, io3)).exitCode, 3);
  assert.match(io3.err(), /--proxy must be an http:\/\/ or https:\/\/ proxy/);
});

test('HTTPS_PROXY: an intercepting proxy sees every request to an https site', async () => {
  const site = await startHttpsSite(certs.good);
  try {
    proxy.seen.length = 0;
    const io = memoryIo({ HTTPS_PROXY: proxy.url });
    const run = await runScan({ url: `${site.url}/`, items: 'Directory Listing,XSS', speed: '2', tty: false, failOn: 'none' }, io);
    assert.equal(run.exitCode, 0, io.err());
    const report = JSON.parse(io.out()) as JsonReport;
    assert.ok(report.findings.some((f) => f.item === 'Directory Listing'));
    assert.ok(site.hits.length > 3);
    assert.deepEqual(ofOrigin(site.url), asSeen(site.url, site.hits));
  } finally {
    await site.close();
  }
});

test('--ca-cert: a site signed by the private CA is trusted by the TLS check', async () => {
  const site = await startHttpsSite(certs.good);
  try {
    const titles = async (extra: { caCert?: string[] }): Promise<string[]> => {
      const io = memoryIo();
      const run = await runScan({ url: `${site.url}/`, items: 'Insecure SSL/TLS', speed: '2', maxDepth: 0, tty: false, failOn: 'none', ...extra }, io);
      assert.ok(run.exitCode === 0 || run.exitCode === 1, io.err());
      return (JSON.parse(io.out()) as JsonReport).findings.map((f) => f.title);
    };
    assert.ok((await titles({})).includes('Untrusted TLS certificate chain'));
    assert.ok(!(await titles({ caCert: [join(dir, 'ca.pem')] })).includes('Untrusted TLS certificate chain'));
    const io = memoryIo();
    assert.equal((await runScan({ url: `${site.url}/`, caCert: [join(dir, 'nothing.pem')], tty: false, failOn: 'none' }, io)).exitCode, 3);
    assert.match(io.err(), /cannot read --ca-cert/);
  } finally {
    await site.close();
  }
});

test('--client-cert/--client-key: a site that requires a client certificate answers the scan', async () => {
  // a client certificate the test CA signs (clientAuth), minted with the openssl CLI as the TLS tests do
  writeFileSync(join(dir, 'ca.key'), certs.ca.key);
  writeFileSync(join(dir, 'client.ext'), 'extendedKeyUsage=clientAuth\nbasicConstraints=CA:FALSE\n');
  const openssl = (args: string[]): void => void execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
  openssl(['req', '-new', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'client.key', '-out', 'client.csr', '-subj', '/CN=wsc scanner']);
  openssl(['x509', '-req', '-in', 'client.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-set_serial', '7', '-days', '2', '-sha256', '-extfile', 'client.ext', '-out', 'client.crt']);
  const site = await startHttpsSite({ ...certs.good, ca: certs.ca.cert, requestCert: true });
  try {
    const without = memoryIo();
    const a = await runScan({ url: `${site.url}/`, items: 'Directory Listing', tty: false, failOn: 'none' }, without);
    assert.equal(a.exitCode, 3);
    assert.equal(site.hits.length, 0);
    const io = memoryIo();
    const run = await runScan({ url: `${site.url}/`, items: 'Directory Listing', clientCert: join(dir, 'client.crt'), clientKey: join(dir, 'client.key'), tty: false, failOn: 'none' }, io);
    assert.equal(run.exitCode, 0, io.err());
    assert.ok(site.hits.includes('GET /dir/'), site.hits.join(', '));
    assert.ok((JSON.parse(io.out()) as JsonReport).findings.some((f) => f.item === 'Directory Listing'));
    assert.ok(!(io.out() + io.err()).includes(readFileSync(join(dir, 'client.key'), 'utf8').split('\n')[1] as string));
  } finally {
    await site.close();
  }
});
