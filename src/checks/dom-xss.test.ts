import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestbed, type Testbed } from '../../test/testbed/server.js';
import { assertCheckMetadata, runCheckOn, type CheckRun } from '../../test/testbed/check-harness.js';
import { DOM_CASES } from '../../test/testbed/routes/dom.js';
import { findChromium } from '../engine/browser/chromium.js';
import { domXss, meta } from './dom-xss.js';

const chromium = await findChromium();
const skip = chromium.ok ? false : `no Chromium: ${chromium.reason ?? 'not found'}`;

let tb: Testbed;
let vuln: CheckRun;
before(async () => {
  tb = await startTestbed();
  if (!skip) vuln = await runCheckOn(domXss, `${tb.url}/dom/`, { browser: true });
});
after(async () => {
  await tb.close();
});

/** What the finding should name as the sink of each case (jQuery writes through innerHTML). */
function expectedSink(sink: string): RegExp {
  if (sink.startsWith('jQuery')) return /^innerHTML \(through jQuery\)$/;
  if (sink === 'location') return /^javascript: URL/;
  return new RegExp(`^${sink.replace(/[.()$]/g, '\\$&')}$`);
}

test('metadata', () => assertCheckMetadata(domXss, meta, { id: 'dom-xss', item: 'XSS', cwe: 79 }));

test('every source x sink case of the DOM testbed is found, proven by the marker running, with source, sink and a reproducing URL', { skip }, () => {
  const found = new Map(vuln.findings.map((f) => [`${new URL(f.url).pathname.replace(/^(\/dom\/path-outerhtml).*$/, '$1')} ${f.parameter}`, f]));
  for (const c of DOM_CASES) {
    const f = found.get(`/dom/${c.slug} ${c.source}`);
    assert.ok(f, `${c.slug} through ${c.source} (got ${[...found.keys()].join(', ')})`);
    const extra = f.extra as { kind: string; sink: string; source: string; callStack: string | null; reproduce: string };
    assert.equal(extra.kind, 'dom');
    assert.match(extra.sink, expectedSink(c.sink), c.slug);
    assert.match(f.evidence.proof, /The marker wsc\w+\(\d+\) ran in the browser/, c.slug);
    assert.ok(extra.callStack, `${c.slug}: the marker's call stack`);
    assert.ok(extra.reproduce.startsWith(`open ${f.url}`), c.slug);
    assert.equal(f.confidence, undefined, 'certain, from the metadata');
    assert.ok(f.evidence.request.startsWith('GET /dom/'), c.slug);
  }
  // sources in the URL reproduce from the URL alone
  assert.match(found.get('/dom/hash-innerhtml location.hash')!.url, /#javascript:\/\*<img src=x onerror=wsc\w+\(\d+\)>\*\/wsc\w+\(\d+\)\/\/$/);
  assert.match(found.get('/dom/search-write q')!.url, /\?q=javascript%3A/);
  assert.match(found.get('/dom/message-origin-eval postMessage')!.evidence.proof, /framed by http:\/\/127\.0\.0\.1\.wsc-sender\.invalid/);
  // the sink's own call, not just the handler that ran
  assert.match(String((found.get('/dom/hash-innerhtml location.hash')!.extra as { sinkStack: string }).sinkStack), /\/dom\/hash-innerhtml/);
  // stored: written through the notes form, run by the board page's script
  const stored = found.get('/dom/notes/add note');
  assert.ok(stored, 'stored DOM XSS through the notes form');
  assert.equal(stored.method, 'POST');
  assert.equal((stored.extra as { kind: string; shownOn: string }).kind, 'dom-stored');
  assert.match((stored.extra as { shownOn: string }).shownOn, /\/dom\/notes\/board$/);
  // nothing outside the vulnerable pages
  for (const f of vuln.findings) assert.match(new URL(f.url).pathname, /^\/dom\/(?!assets)/);
});

test('safe twins (text, encoding, validation, exact origin checks) yield nothing; without a browser the check yields nothing', { skip }, async () => {
  const run = await runCheckOn(domXss, `${tb.url}/dom-safe/`, { browser: true });
  assert.ok(run.visits.length >= DOM_CASES.length, `the twins were loaded (${run.visits.length} loads)`);
  assert.ok(run.visits.some((v) => v.messages !== undefined) && run.visits.some((v) => v.localStorage !== undefined) && run.visits.some((v) => v.windowName !== undefined));
  assert.ok(run.sent.some((s) => s.method === 'POST' && s.url.endsWith('/dom-safe/notes/add')), 'the stored twin was written to');
  assert.deepEqual(run.findings.map((f) => `${f.url} ${f.parameter} ${String((f.extra as { sink?: string }).sink)}`), []);
  const blind = await runCheckOn(domXss, `${tb.url}/dom/`);
  assert.deepEqual([blind.findings.length, blind.visits.length, blind.sent.length], [0, 0, 0]);
});

test('stays within its request budget, browser requests included; pages without sources cost no browser time', { skip }, () => {
  const targets = Math.max(1, vuln.requests.length, vuln.pages.length);
  const spent = vuln.sent.length + vuln.browserRequests;
  assert.ok(spent <= meta.requestBudget * targets, `${spent} requests for ${targets} targets`);
  const loaded = new Set(vuln.visits.map((v) => new URL(v.url).pathname));
  assert.ok(!loaded.has('/dom/notes'), 'the notes form page reads no source');
  assert.ok(!loaded.has('/dom/'), 'the index has no script');
});
