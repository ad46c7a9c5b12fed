import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { CrawledRequest, HttpRequestSpec } from '../core/model.js';
import { insertionPoints, toSpec } from './insertion-points.js';

function find(req: CrawledRequest, name: string, location?: string) {
  const p = insertionPoints(req).find((x) => x.name === name && (location === undefined || x.location === location));
  assert.ok(p, `no insertion point ${location ?? ''} ${name}`);
  return p;
}

function header(spec: HttpRequestSpec, name: string): string | undefined {
  return Object.entries(spec.headers ?? {}).find(([k]) => k.toLowerCase() === name.toLowerCase())?.[1];
}

test('query parameters: replace and append keep the other parameters byte for byte', () => {
  const req: CrawledRequest = { method: 'GET', url: 'http://h/p/a?x=1&q=caf%C3%A9&z=a+b#frag', source: 'link', depth: 1 };
  const q = find(req, 'q', 'query');
  assert.equal(q.value, 'café');
  assert.equal(q.build("'\"<x>").url, 'http://h/p/a?x=1&q=\'%22%3Cx%3E&z=a+b');
  assert.equal(q.build('\u0000', 'append').url, 'http://h/p/a?x=1&q=caf%C3%A9%00&z=a+b');
  assert.equal(find(req, 'z').value, 'a b');
});

test('path segments are named path[i], empty ones skipped', () => {
  const req: CrawledRequest = { method: 'GET', url: 'http://h//users/42/?a=1', source: 'link', depth: 1 };
  const pts = insertionPoints(req).filter((p) => p.location === 'path');
  assert.deepEqual(pts.map((p) => [p.name, p.value]), [['path[0]', 'users'], ['path[1]', '42']]);
  assert.equal(pts[1]?.build('../x').url, 'http://h//users/..%2Fx/?a=1');
  assert.equal(pts[1]?.build('0', 'append').url, 'http://h//users/420/?a=1');
});

test('urlencoded body fields re-encode the whole body', () => {
  const req: CrawledRequest = {
    method: 'post',
    url: 'http://h/login',
    bodyKind: 'urlencoded',
    fields: [{ name: 'user', value: 'a b' }, { name: 'pass', value: 'x&y' }],
    headers: { 'Content-Length': '99' },
    source: 'form',
    depth: 1,
    referer: 'http://h/',
  };
  const spec = find(req, 'pass', 'body').build('1=1&z');
  assert.equal(spec.method, 'POST');
  assert.equal(spec.body, 'user=a+b&pass=1%3D1%26z');
  assert.equal(header(spec, 'content-type'), 'application/x-www-form-urlencoded');
  assert.equal(header(spec, 'content-length'), undefined);
  assert.equal(header(spec, 'referer'), 'http://h/');
  assert.equal(toSpec(req).body, 'user=a+b&pass=x%26y');
});

test('a payload in a password field goes into the confirmation field too; an unsent checkbox is sent only when attacked', () => {
  const req: CrawledRequest = {
    method: 'POST',
    url: 'http://h/register',
    bodyKind: 'urlencoded',
    fields: [
      { name: 'user', value: 'wsc', type: 'text' },
      { name: 'pw', value: 'wsc', type: 'password' },
      { name: 'pw2', value: 'wsc', type: 'password' },
      { name: 'news', value: 'on', type: 'checkbox', unsent: true },
    ],
    source: 'form',
    depth: 1,
  };
  assert.equal(find(req, 'pw', 'body').build("x'").body, "user=wsc&pw=x'&pw2=x'");
  assert.equal(find(req, 'user', 'body').build("x'").body, "user=x'&pw=wsc&pw2=wsc");
  assert.equal(find(req, 'pw2', 'body').build("x'").body, "user=wsc&pw=wsc&pw2=x'", 'the confirmation alone');
  assert.equal(find(req, 'news', 'body').build('1').body, 'user=wsc&pw=wsc&pw2=wsc&news=1');
  assert.equal(toSpec(req).body, 'user=wsc&pw=wsc&pw2=wsc');
});

test('JSON fields at any depth, arrays by index, strings and numbers', () => {
  const req: CrawledRequest = {
    method: 'POST',
    url: 'http://h/api',
    bodyKind: 'json',
    rawBody: JSON.stringify({ a: { b: 'x', n: 3, t: true }, list: [{ id: 7 }, 'y'] }),
    source: 'script',
    depth: 1,
  };
  const names = insertionPoints(req).filter((p) => p.location === 'json').map((p) => p.name);
  assert.deepEqual(names, ['a.b', 'a.n', 'list[0].id', 'list[1]']);
  const spec = find(req, 'list[0].id').build('"\'', 'append');
  assert.deepEqual(JSON.parse(spec.body as string), { a: { b: 'x', n: 3, t: true }, list: [{ id: '7"\'' }, 'y'] });
  assert.equal(header(spec, 'content-type'), 'application/json');
});

test('XML leaf text nodes are escaped on the way in', () => {
  const req: CrawledRequest = {
    method: 'POST',
    url: 'http://h/x',
    bodyKind: 'xml',
    rawBody: '<r><name>bob</name><v a="1">2 &amp; 3</v></r>',
    source: 'form',
    depth: 1,
  };
  assert.equal(find(req, 'v', 'xml').value, '2 & 3');
  assert.equal(find(req, 'name', 'xml').build('<a>').body, '<r><name>&lt;a&gt;</name><v a="1">2 &amp; 3</v></r>');
});

test('headers and cookies', () => {
  const req: CrawledRequest = {
    method: 'GET',
    url: 'http://h/',
    headers: { cookie: 'sid=abc; lang=en' },
    source: 'start',
    depth: 0,
  };
  const pts = insertionPoints(req, { userAgent: 'UA/1' });
  const ua = pts.find((p) => p.name === 'User-Agent');
  assert.equal(ua?.value, 'UA/1');
  assert.equal(header(ua!.build('\r\nX: y', 'append'), 'user-agent'), 'UA/1%0D%0AX: y');
  const lang = pts.find((p) => p.location === 'cookie' && p.name === 'lang');
  assert.equal(header(lang!.build('x;y'), 'cookie'), 'sid=abc; lang=x%3By');
  assert.ok(pts.some((p) => p.name === 'X-Forwarded-For'));
});

test('multipart fields are sent with a boundary a real parser accepts', async () => {
  const req: CrawledRequest = {
    method: 'POST',
    url: 'http://placeholder/upload',
    bodyKind: 'multipart',
    fields: [
      { name: 'title', value: 'hello' },
      { name: 'file', value: 'content', filename: 'a.txt', contentType: 'text/plain' },
    ],
    source: 'form',
    depth: 1,
  };
  let received: { ct: string; form: [string, string][] } | undefined;
  const server = createServer((r: IncomingMessage, res) => {
    const chunks: Buffer[] = [];
    r.on('data', (c: Buffer) => chunks.push(c));
    r.on('end', () => {
      const body = Buffer.concat(chunks);
      void new Response(body, { headers: { 'content-type': r.headers['content-type'] ?? '' } })
        .formData()
        .then(async (fd) => {
          const form: [string, string][] = [];
          for (const [k, v] of fd.entries()) form.push([k, typeof v === 'string' ? v : `${v.name}:${await v.text()}`]);
          received = { ct: r.headers['content-type'] ?? '', form };
          res.end('ok');
        });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    const port = (server.address() as AddressInfo).port;
    const spec = find({ ...req, url: `http://127.0.0.1:${port}/upload` }, 'title', 'multipart').build('x"\r\ny');
    const res = await fetch(spec.url, { method: spec.method, headers: spec.headers, body: spec.body as string });
    assert.equal(await res.text(), 'ok');
    assert.match(received!.ct, /^multipart\/form-data; boundary=/);
    assert.deepEqual(received!.form, [['title', 'x"\r\ny'], ['file', 'a.txt:content']]);
  } finally {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
});
