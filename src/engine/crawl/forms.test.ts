// The HTML standard's form submission, case by case, on real loopback pages crawled by the real
// crawler: what a browser would send is what the crawl hands to the attacks.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { crawlSite } from '../../../test/helpers/crawl.js';
import type { Handler, Site } from '../../../test/helpers/site.js';
import type { CrawlResult } from '../crawler.js';
import type { CrawledRequest } from '../../core/model.js';
import { insertionPoints, toSpec } from '../insertion-points.js';

/** Each case: a page with one form (or script) and what the crawl must produce from it. */
const PAGES: Record<string, string> = {
  '/missing': `<form method=post><input name=a value=1></form>`,
  '/empty': `<form method=post action=""><input name=a value=1></form>`,
  '/hash': `<form method=post action="#"><input name=a value=1></form>`,
  '/frag': `<form method=post action="#top"><input name=a value=1></form>`,
  '/dir/relative': `<form method=post action="target"><input name=a value=1></form>`,
  '/get-query': `<form action="/get-target?keep=1&drop=2"><input name=q value=v></form>`,
  '/post-query': `<form method=post action="/post-target?keep=1"><input name=q value=v></form>`,
  '/based': `<base href="/base-dir/"><form method=post action="save"><input name=a></form><form method=post><input name=own></form>`,
  '/entity-action': `<FORM METHOD="POST" ACTION="/ent?a=1&amp;b=2"><INPUT NAME="x" VALUE="&lt;y&gt;"></FORM>`,
  '/button-overrides': `<form action="/plain"><input name=a value=1>
    <button formaction="/override" formmethod="post" formenctype="multipart/form-data" name=go value=now>Go</button></form>`,
  '/form-attr': `<form id=f1 method=post action="/owned"><input name=inside value=1><input name=elsewhere form=f2 value=2></form>
    <input name=outside form=f1 value=3><form id=f2 method=post action="/other"></form><input name=orphan value=4>`,
  '/submitters': `<form method=post action="/multi"><input name=a value=1>
    <input type=submit name=op value=Save><input type=submit name=op value=Preview><button name=alt value=x>Alt</button>
    <button type=button name=nope value=1>Not a submitter</button><input type=submit name=s4 value=4><input type=submit name=s5 value=5></form>`,
  '/values': `<form method=post action="/values-target">
    <input name=t><input type=search name=se><input type=hidden name=h value=keep><input type=hidden name=empty_h>
    <input type=password name=pw><input type=email name=em><input type=number name=n min=5 max=9><input type=number name=n2>
    <input type=range name=r min=0 max=10><input type=date name=d><input type=url name=u><input type=tel name=tel>
    <input type=color name=col><input type=time name=tm><input name=ml maxlength=2>
    <input name=weird type=unknowntype><textarea name=ta>
line one</textarea>
    <select name=sel><option value=a>A<option value=b selected>B</select>
    <select name=first><option disabled>x<option>plain text  option</select>
    <select name=many multiple><option value=1 selected>1<option value=2 selected>2</select>
    <select name=none multiple><option value=z>z</select>
    <input type=checkbox name=cb1 checked><input type=checkbox name=cb2 value=v2><input type=radio name=ra value=r1><input type=radio name=ra value=r2 checked>
    <input type=radio name=rb value=b1><input type=radio name=rb value=b2>
    <input name=dis disabled value=x><fieldset disabled><input name=in_disabled_fieldset value=y></fieldset>
    <input type=hidden name=_charset_><input name=dn dirname=dn.dir value=t>
    <input type=image name=pic src="/img/go.png"><input type=reset name=rs value=r></form>`,
  '/file': `<form method=post enctype="multipart/form-data" action="/upload"><input type=file name=doc><input name=title></form>
    <form method=post action="/upload-url"><input type=file name=doc2></form>`,
  '/text-plain': `<form method=post enctype="text/plain" action="/plain-text"><input name=a value=1><input name=b value=2></form>`,
  '/dialog': `<form method=dialog action="/never"><input name=a></form><form action="/also-never"><button formmethod=dialog name=b>x</button></form>`,
  '/select-variants': `<form action="/view"><select name=mode><option>list<option>grid<option>map</select><input type=submit value=Show></form>`,
  '/nested': `<form method=post action="/outer"><input name=a><form method=post action="/inner"><input name=b></form><input name=c></form>`,
  '/unclosed': `<form method=post action="/unclosed-target"><select name=s><option>1<option>2<input name=after><textarea name=ta>x`,
  '/destructive': `<form method=post action="/items"><input name=id value=3><button name=action value=delete>Delete</button><button name=action value=save>Save</button></form>
    <form method=post action="/logout"><input type=submit value="Sign out"></form>`,
  '/scripted': `<input id=q name=q><button onclick="location.href='/js-search?q=' + encodeURIComponent(document.getElementById('q').value) + '&page=' + 2">Go</button>
    <script>
      function send() {
        fetch('/js-post', { method: 'POST', body: 'name=' + encodeURIComponent(n.value) + '&age=' + a.value });
        fetch('/js-xml', { method: 'POST', headers: { 'Content-Type': 'text/xml' }, body: '<?xml version="1.0"?><query a="1">' + v + '</query>' });
        var x = new XMLHttpRequest(); x.open('POST', '/js-xhr'); x.send('k=' + k + '&l=1');
      }
    </script>
    <script type="module">import { a } from './mod/a.js'; import('./mod/lazy.js');</script>`,
  '/markup': `<META HTTP-EQUIV="Refresh" CONTENT="0; URL=/m/refreshed"><iframe src="/m/iframe"></iframe><frameset><frame src="/m/frame"></frameset>
    <img srcset="/m/small.png 1x, /m/big.png 2x"><map><area href="/m/area" shape=rect></map><link rel=alternate href="/m/alt">
    <div data-url="/m/data-url"></div><span data-href="/m/data-href"></span><blockquote cite="/m/cite"></blockquote>
    <a href="/m/ent?a=1&amp;b=2">e</a><A HREF="/m/upper">u</A><p><a href="/m/unclosed">open <b>tags`,
};

const SERVED: Record<string, string> = {
  '/mod/a.js': `export const a = 1; fetch('/m/from-module');`,
  '/mod/lazy.js': `export default 2;`,
  '/xhtml': `<?xml version="1.0" encoding="UTF-8"?><html xmlns="http://www.w3.org/1999/xhtml"><body><a href="/m/xhtml-link">x</a>
    <form method="post" action="/xhtml-form"><input name="x" value="1"/></form></body></html>`,
};

let site: Site;
let result: CrawlResult;
const logs: { msg: string; data?: Record<string, unknown> }[] = [];

before(async () => {
  const routes: Record<string, string | Handler> = {};
  routes['/'] = Object.keys(PAGES).map((p) => `<a href="${p}">${p}</a>`).join('\n') + '<a href="/xhtml">x</a>';
  for (const [p, html] of Object.entries(PAGES)) routes[p] = `<!doctype html><html><body>${html}</body></html>`;
  for (const [p, body] of Object.entries(SERVED)) {
    const type = p.endsWith('.js') ? 'text/javascript' : 'application/xhtml+xml';
    routes[p] = (_req, res) => res.writeHead(200, { 'content-type': type }).end(body);
  }
  ({ site, result } = await crawlSite(routes, (_level, msg, data) => logs.push({ msg, ...(data ? { data } : {}) })));
});

after(() => site.close());

function find(method: string, path: string): CrawledRequest[] {
  return result.requests.filter((r) => r.method === method && new URL(r.url).pathname + new URL(r.url).search === path);
}
function one(method: string, path: string): CrawledRequest {
  const all = find(method, path);
  assert.equal(all.length, 1, `one ${method} ${path} among ${result.requests.map((r) => `${r.method} ${new URL(r.url).pathname}${new URL(r.url).search}`).join(', ')}`);
  return all[0] as CrawledRequest;
}
const pairs = (r: CrawledRequest): string[] => (r.fields ?? []).map((f) => `${f.name}=${f.value}${f.unsent ? ' (unsent)' : ''}`);

test('action missing, empty, "#" and "#frag" submit to the document itself', () => {
  for (const p of ['/missing', '/empty', '/hash', '/frag']) assert.deepEqual(pairs(one('POST', p)), ['a=1'], p);
});

test('a relative action resolves against the page; <base href> moves it, but not a missing action', () => {
  one('POST', '/dir/target');
  assert.deepEqual(pairs(one('POST', '/base-dir/save')), ['a=wsc']);
  assert.deepEqual(pairs(one('POST', '/based')), ['own=wsc'], 'no action: the document URL, not the base');
});

test("a GET form's entries replace the action's query; a POST form keeps it", () => {
  one('GET', '/get-target?q=v');
  assert.equal(find('GET', '/get-target?keep=1&drop=2').length, 0);
  assert.deepEqual(pairs(one('POST', '/post-target?keep=1')), ['q=v']);
});

test('entities and mixed-case markup: decoded action and values', () => {
  assert.deepEqual(pairs(one('POST', '/ent?a=1&b=2')), ['x=<y>']);
});

test('formaction, formmethod and formenctype of the submit button win over the form', () => {
  const r = one('POST', '/override');
  assert.equal(r.bodyKind, 'multipart');
  assert.deepEqual(pairs(r), ['a=1', 'go=now']);
  assert.equal(find('GET', '/plain?a=1').length, 0, 'the only button overrides: the form action itself is never submitted');
});

test('form="id" brings in controls outside the form and takes away those that name another form', () => {
  assert.deepEqual(pairs(one('POST', '/owned')), ['inside=1', 'outside=3']);
  assert.deepEqual(pairs(one('POST', '/other')), ['elsewhere=2']);
});

test('each submit button is a variant of its own, up to four; type=button never submits', async () => {
  // one target per path and parameter names: the op variants share their names, alt and s4 differ
  const names = find('POST', '/multi').map((r) => pairs(r).join('&'));
  assert.deepEqual(names.sort(), ['a=1&alt=x', 'a=1&op=Save', 'a=1&s4=4']);
  assert.ok(!names.some((n) => n.includes('nope') || n.includes('s5')));
});

test("every control's value as a browser sends it, placeholders of the field's type for empty ones", () => {
  const r = one('POST', '/values-target');
  assert.deepEqual(pairs(r), [
    't=wsc', 'se=wsc', 'h=keep', 'empty_h=', 'pw=wsc', 'em=wsc@example.com', 'n=5', 'n2=1', 'r=5', 'd=2024-01-01',
    `u=${site.url}/`, 'tel=5555550100', 'col=#000000', 'tm=12:00', 'ml=ws', 'weird=wsc', 'ta=line one', 'sel=b', 'first=plain text option',
    'many=1', 'many=2', 'cb1=on', 'ra=r2', '_charset_=UTF-8', 'dn=t', 'dn.dir=ltr', 'pic.x=0', 'pic.y=0',
    'none=z (unsent)', 'cb2=v2 (unsent)', 'rb=b1 (unsent)',
  ]);
  // unchecked boxes are not sent as crawled, but attacks reach them
  const spec = toSpec(r);
  assert.ok(!String(spec.body).includes('cb2'));
  const point = insertionPoints(r).find((p) => p.name === 'cb2');
  assert.ok(point, 'an unchecked checkbox is an insertion point');
  assert.match(String(point.build('PAYLOAD').body), /(^|&)cb2=PAYLOAD(&|$)/);
});

test('file inputs: a test file in multipart, the file name alone in urlencoded', () => {
  const up = one('POST', '/upload');
  assert.equal(up.bodyKind, 'multipart');
  assert.deepEqual(up.fields?.[0], { name: 'doc', value: 'wsc test file', filename: 'test.txt', contentType: 'text/plain', type: 'file' });
  assert.deepEqual(pairs(one('POST', '/upload-url')), ['doc2=test.txt']);
});

test('text/plain forms send name=value lines', () => {
  const r = one('POST', '/plain-text');
  assert.equal(r.bodyKind, 'text');
  assert.equal(toSpec(r).body, 'a=1\r\nb=2\r\n');
  assert.deepEqual(insertionPoints(r).filter((p) => p.location === 'body').map((p) => p.name), ['a', 'b']);
});

test('method="dialog" sends nothing', () => {
  assert.equal(result.requests.filter((r) => /never/.test(r.url)).length, 0);
});

test("a GET form's small select: each option is a page of its own", () => {
  for (const m of ['list', 'grid', 'map']) assert.ok(result.urls.some((u) => u.url === `${site.url}/view?mode=${m}`), m);
});

test('a nested <form> is ignored as the parser ignores it; unclosed forms and selects end where a browser ends them', () => {
  assert.deepEqual(pairs(one('POST', '/outer')), ['a=wsc', 'b=wsc']);
  assert.equal(find('POST', '/inner').length, 0);
  // an unclosed textarea runs to the end of the document, markup included, as in a browser
  assert.deepEqual(pairs(one('POST', '/unclosed-target')), ['s=1', 'after=wsc', 'ta=x</body></html>']);
});

test('destructive-looking buttons and actions are skipped, and the skip is logged', () => {
  assert.deepEqual(find('POST', '/items').map(pairs), [['id=3', 'action=save']]);
  assert.equal(find('POST', '/logout').length, 0);
  const skips = logs.filter((l) => l.msg.startsWith('a form submission was left out'));
  assert.equal(skips.length, 2);
  assert.match(skips.map((s) => s.msg).join(' '), /"action delete"/);
});

test('inputs outside forms that scripts submit: concatenated queries, string bodies, XML bodies, module imports', () => {
  one('GET', '/js-search?q=1&page=1');
  assert.deepEqual(pairs(one('POST', '/js-post')), ['name=1', 'age=1']);
  const xml = one('POST', '/js-xml');
  assert.equal(xml.bodyKind, 'xml');
  assert.equal(xml.rawBody, '<?xml version="1.0"?><query a="1">1</query>');
  assert.deepEqual(pairs(one('POST', '/js-xhr')), ['k=1', 'l=1']);
  assert.ok(site.hits.includes('GET /mod/a.js') && site.hits.includes('GET /mod/lazy.js'), 'module imports are fetched as scripts');
  one('GET', '/m/from-module');
});

test('other markup: meta refresh, frames, srcset, area, link rel, data-* and cite URLs, entities, mixed case, unclosed tags, XHTML', () => {
  const urls = new Set(result.urls.map((u) => new URL(u.url).pathname + new URL(u.url).search));
  for (const p of ['/m/refreshed', '/m/iframe', '/m/frame', '/m/small.png', '/m/big.png', '/m/area', '/m/alt', '/m/data-url', '/m/data-href', '/m/cite', '/m/ent?a=1&b=2', '/m/upper', '/m/unclosed', '/m/xhtml-link']) {
    assert.ok(urls.has(p), `${p} among ${[...urls].join(' ')}`);
  }
  assert.deepEqual(pairs(one('POST', '/xhtml-form')), ['x=1']);
});
