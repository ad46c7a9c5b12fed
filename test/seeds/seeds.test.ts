// Seeds: an OpenAPI 3 document (YAML) and a HAR file of the testbed's token API each yield every
// operation as an attack target with its insertion points, and a scan seeded with either finds what
// a scan told the URLs finds, plus the JSON-body operation no link leads to. Swagger 2.0 (JSON) is
// read the same way; targets outside the scan's origin are left out by scope.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { runScan } from '../../src/cli/commands/scan.js';
import { insertionPoints } from '../../src/engine/insertion-points.js';
import { harRequests, urlListRequests } from '../../src/engine/seeds/har.js';
import { openApiRequests, parseDocument } from '../../src/engine/seeds/openapi.js';
import type { JsonReport } from '../../src/report/json.js';
import { memoryIo } from '../auth/io.js';
import { startTokenApi, type ApiApp } from '../testbed/auth-app.js';

const openapiYaml = (server: string): string => `openapi: 3.0.3
info: { title: Items API, version: "1" }
servers:
  - url: https://elsewhere.example.com/v1
  - url: ${server}
paths:
  /api/items:
    get:
      parameters:
        - { name: id, in: query, required: true, schema: { type: integer, example: 2 } }
        - { name: X-Request-Tag, in: header, schema: { type: string } }
        - { name: pref, in: cookie, schema: { type: string, enum: [compact, full] } }
      responses: { "200": { description: ok } }
  /api/echo:
    get:
      parameters:
        - $ref: '#/components/parameters/Msg'
      responses: { "200": { description: ok } }
  /api/orders:
    post:
      requestBody:
        content:
          application/json:
            schema: { $ref: '#/components/schemas/Order' }
      responses: { "200": { description: ok } }
components:
  parameters:
    Msg: { name: msg, in: query, schema: { type: string, default: hello } }
  schemas:
    Order:
      type: object
      properties:
        itemId: { type: integer, minimum: 1 }
        note: { type: string, format: email }
        lines: { type: array, items: { type: object, properties: { qty: { type: integer } } } }
`;

const har = (server: string): string =>
  JSON.stringify({
    log: {
      version: '1.2',
      entries: [
        { request: { method: 'GET', url: `${server}/api/items?id=3`, headers: [{ name: 'Accept', value: '*/*' }, { name: 'Cookie', value: 'x=1' }] } },
        { request: { method: 'GET', url: `${server}/api/echo?msg=hi`, headers: [] } },
        { request: { method: 'POST', url: `${server}/api/orders`, headers: [{ name: 'Content-Type', value: 'application/json' }], postData: { mimeType: 'application/json', text: '{"itemId":1}' } } },
        { request: { method: 'GET', url: 'https://cdn.example.com/lib.js', headers: [] } },
      ],
    },
  });

const swagger2 = JSON.stringify({
  swagger: '2.0',
  host: '127.0.0.1:9',
  basePath: '/v2',
  consumes: ['application/x-www-form-urlencoded'],
  paths: {
    '/pets/{petId}': {
      parameters: [{ name: 'petId', in: 'path', required: true, type: 'integer' }],
      get: { parameters: [{ name: 'fields', in: 'query', type: 'array', items: { type: 'string' } }] },
      post: { parameters: [{ name: 'name', in: 'formData', type: 'string' }, { name: 'photo', in: 'formData', type: 'file' }], consumes: ['multipart/form-data'] },
      put: { parameters: [{ name: 'body', in: 'body', schema: { $ref: '#/definitions/Pet' } }], consumes: ['application/json'] },
    },
  },
  definitions: { Pet: { type: 'object', required: ['name'], properties: { name: { type: 'string', example: 'rex' }, tag: { type: 'string' } } } },
});

let api: ApiApp;
let dir: string;
let authFile: string;
before(async () => {
  api = await startTokenApi({ secondsPerRequest: 1 });
  dir = mkdtempSync(join(tmpdir(), 'wsc-seeds-'));
  authFile = join(dir, 'auth.json');
  writeFileSync(authFile, JSON.stringify({ type: 'token', tokenUrl: `${api.url}/oauth/token`, grant: 'client_credentials', clientId: 'scanner', clientSecret: 's3cret-client-key' }));
  writeFileSync(join(dir, 'api.yaml'), openapiYaml(api.url));
  writeFileSync(join(dir, 'api.har'), har(api.url));
  writeFileSync(join(dir, 'urls.txt'), `# the API's pages\n${api.url}/api/items?id=1\n/api/echo?msg=hi\n\nnot a url\n`);
});
after(async () => {
  await api.close();
  rmSync(dir, { recursive: true, force: true });
});

test('OpenAPI 3 YAML: every operation, at the server on the scan origin, with its parameters and body', () => {
  const reqs = openApiRequests(parseDocument(openapiYaml(api.url), 'doc'), `${api.url}/openapi.yaml`, `${api.url}/`);
  assert.deepEqual(reqs.map((r) => `${r.method} ${new URL(r.url).pathname}`), ['GET /api/items', 'GET /api/echo', 'POST /api/orders']);
  const items = reqs[0]!;
  assert.equal(items.url, `${api.url}/api/items?id=2`);
  assert.deepEqual(items.headers, { 'X-Request-Tag': 'wsc', Cookie: 'pref=compact' });
  const names = insertionPoints(items, { headers: ['User-Agent', ...(items.headerParams ?? [])] }).map((p) => `${p.location}:${p.name}`);
  for (const n of ['query:id', 'header:X-Request-Tag', 'cookie:pref']) assert.ok(names.includes(n), names.join(', '));
  assert.equal(reqs[1]!.url, `${api.url}/api/echo?msg=hello`);
  assert.equal(reqs[2]!.bodyKind, 'json');
  assert.deepEqual(JSON.parse(reqs[2]!.rawBody!), { itemId: 1, note: 'wsc@example.com', lines: [{ qty: 1 }] });
  assert.ok(insertionPoints(reqs[2]!).some((p) => p.location === 'json' && p.name.includes('itemId')));
});

test('Swagger 2.0 JSON: host and basePath, path/query/formData/body parameters', () => {
  const reqs = openApiRequests(parseDocument(swagger2, 'doc'), 'http://127.0.0.1:9/swagger.json', 'http://127.0.0.1:9/');
  assert.deepEqual(reqs.map((r) => `${r.method} ${r.url}`), ['GET http://127.0.0.1:9/v2/pets/1?fields=wsc', 'PUT http://127.0.0.1:9/v2/pets/1', 'POST http://127.0.0.1:9/v2/pets/1']);
  assert.deepEqual(JSON.parse(reqs[1]!.rawBody!), { name: 'rex', tag: 'wsc' });
  assert.equal(reqs[2]!.bodyKind, 'multipart');
  assert.deepEqual(reqs[2]!.fields?.map((f) => f.name), ['name', 'photo']);
  // a document for another deployment: its paths go to the scan's origin, under the server's path
  const prod = openApiRequests(parseDocument(swagger2.replace('127.0.0.1:9', 'api.prod.example'), 'doc'), 'http://127.0.0.1:7/doc.json', 'http://127.0.0.1:7/');
  assert.equal(prod[0]!.url, 'http://127.0.0.1:7/v2/pets/1?fields=wsc');
  assert.throws(() => openApiRequests({ info: {} }, 'http://x/', 'http://x/'), /not an OpenAPI 3.x or Swagger 2.0 document/);
  assert.throws(() => parseDocument('{ nope', 'doc'), /neither JSON nor YAML/);
});

test('HAR and URL lists: every request, credentials and transport headers left to the scan', () => {
  const reqs = harRequests(parseDocument(har(api.url), 'har'));
  assert.deepEqual(reqs.map((r) => `${r.method} ${new URL(r.url).pathname}`), ['GET /api/items', 'GET /api/echo', 'POST /api/orders', 'GET /lib.js']);
  assert.equal(reqs[0]!.headers, undefined);
  assert.equal(reqs[2]!.rawBody, '{"itemId":1}');
  assert.throws(() => harRequests({ entries: [] }), /not a HAR file/);
  assert.deepEqual(urlListRequests(`# x\n/a?b=1\nhttp://h/c\nftp://x/\n`, 'http://h/').map((r) => r.url), ['http://h/a?b=1', 'http://h/c']);
});

async function scan(extra: Record<string, string[]>): Promise<Set<string>> {
  const io = memoryIo();
  // maxDepth 0: the StartUrl alone, so that only the seeds lead anywhere
  const run = await runScan({ url: `${api.url}/`, items: 'SQL Injection,XSS', auth: authFile, speed: '2', maxDepth: 0, maxDuration: 60, timeout: 5, tty: false, failOn: 'none', ...extra }, io);
  assert.equal(run.exitCode, 0, io.err());
  const report = JSON.parse(io.out()) as JsonReport;
  return new Set(report.findings.map((f) => `${f.item} ${f.method} ${new URL(f.url).pathname}`));
}

test('scans seeded with the OpenAPI document or the HAR find what a scan told the URLs finds, and the JSON operation', async () => {
  const told = await scan({ urls: [join(dir, 'urls.txt')] });
  assert.deepEqual([...told].sort(), ['SQL Injection GET /api/items', 'XSS GET /api/echo']);
  const fromOpenapi = await scan({ openapi: [join(dir, 'api.yaml')] });
  const fromHar = await scan({ har: [join(dir, 'api.har')] });
  for (const f of told) {
    assert.ok(fromOpenapi.has(f), `openapi: ${[...fromOpenapi].join(', ')}`);
    assert.ok(fromHar.has(f), `har: ${[...fromHar].join(', ')}`);
  }
  assert.ok(fromOpenapi.has('SQL Injection POST /api/orders'), [...fromOpenapi].join(', '));
  assert.ok(fromHar.has('SQL Injection POST /api/orders'), [...fromHar].join(', '));
  assert.ok(!api.hits.some((h) => h.includes('lib.js')), 'the HAR entry of another origin is out of scope');
});

test('bad seed files exit 2 with the reason', async () => {
  const bad = join(dir, 'bad.yaml');
  writeFileSync(bad, 'openapi: 3.0.0\ninfo: {}\n');
  const io = memoryIo();
  assert.equal((await runScan({ url: `${api.url}/`, openapi: [bad], tty: false, failOn: 'none' }, io)).exitCode, 3);
  assert.match(io.err(), /seeds: the API description has no paths/);
  const io2 = memoryIo();
  assert.equal((await runScan({ url: `${api.url}/`, har: [join(dir, 'missing.har')], tty: false, failOn: 'none' }, io2)).exitCode, 3);
  assert.match(io2.err(), /cannot read --har/);
});
