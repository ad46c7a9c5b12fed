import { test } from 'node:test';
import assert from 'node:assert/strict';
import { insertionPoints } from '../insertion-points.js';
import { parseMultipart, scriptHeaders, toCrawledRequest } from './record.js';

const base = { url: 'http://127.0.0.1:9/api/x#frag', method: 'POST', resourceType: 'fetch' };

test('a JSON call keeps its body and its own headers; its fields are insertion points at any depth', () => {
  const r = toCrawledRequest(
    { ...base, headers: { 'content-type': 'application/json', 'x-api-key': 'k', 'user-agent': 'UA', referer: 'http://127.0.0.1:9/app', 'sec-fetch-mode': 'cors', cookie: 'a=1', authorization: 'Bearer job' }, body: Buffer.from('{"user":{"name":"a"},"ids":[1]}') },
    'browser-fetch',
    2,
    ['Authorization'],
  );
  assert.equal(r.url, 'http://127.0.0.1:9/api/x');
  assert.equal(r.bodyKind, 'json');
  assert.deepEqual(r.headers, { 'content-type': 'application/json', 'x-api-key': 'k' }, "the browser's and the job's headers are left out");
  assert.equal(r.referer, 'http://127.0.0.1:9/app');
  const names = insertionPoints(r).filter((p) => p.location === 'json').map((p) => p.name);
  assert.deepEqual(names, ['user.name', 'ids[0]']);
});

test('urlencoded, multipart, XML and text bodies', () => {
  const form = toCrawledRequest({ ...base, headers: { 'content-type': 'application/x-www-form-urlencoded;charset=UTF-8' }, body: Buffer.from('q=a+b&scope=all') }, 's', 1);
  assert.equal(form.bodyKind, 'urlencoded');
  assert.deepEqual(form.fields, [{ name: 'q', value: 'a b' }, { name: 'scope', value: 'all' }]);
  assert.equal(form.headers, undefined, 'the form type is rendered from bodyKind');
  const body = '--XyZ\r\nContent-Disposition: form-data; name="title"\r\n\r\nhello\r\n--XyZ\r\nContent-Disposition: form-data; name="file"; filename="a.txt"\r\nContent-Type: text/plain\r\n\r\nfile body\r\n--XyZ--\r\n';
  const mp = toCrawledRequest({ ...base, headers: { 'content-type': 'multipart/form-data; boundary=XyZ' }, body: Buffer.from(body) }, 's', 1);
  assert.equal(mp.bodyKind, 'multipart');
  assert.deepEqual(mp.fields, [{ name: 'title', value: 'hello' }, { name: 'file', value: 'file body', filename: 'a.txt', type: 'file', contentType: 'text/plain' }]);
  assert.equal(parseMultipart(Buffer.from('x'), 'multipart/form-data'), null);
  const xml = toCrawledRequest({ ...base, headers: { 'content-type': 'text/plain' }, body: Buffer.from('<a><b>1</b></a>') }, 's', 1);
  assert.equal(xml.bodyKind, 'xml');
  const text = toCrawledRequest({ ...base, headers: {}, body: Buffer.from('{not json') }, 's', 1);
  assert.equal(text.bodyKind, 'text');
  assert.equal(text.rawBody, '{not json');
  const get = toCrawledRequest({ ...base, method: 'GET', headers: { 'content-type': 'text/plain' } }, 's', 1);
  assert.equal(get.bodyKind, undefined);
  assert.equal(get.headers, undefined);
});

test('scriptHeaders drops HTTP/2 pseudo-headers and sec-*', () => {
  assert.deepEqual(scriptHeaders({ ':authority': 'x', 'Sec-CH-UA': 'y', 'X-Trace': 'z', Accept: '*/*' }), { 'X-Trace': 'z' });
});
