import { test } from 'node:test';
import assert from 'node:assert/strict';
import { gzipSync } from 'node:zlib';
import { formSubmissions } from './crawl/forms.js';
import { extractHtml, refreshTarget } from './crawl/html.js';
import { extractJs, looksLikePath } from './crawl/js.js';
import { fetchKey, patternKey, targetKey } from './crawl/normalize.js';
import { parseRobots, parseSitemap, sitemapText } from './crawl/robots.js';

test('100,000-deep nesting parses in flat memory and still finds the link', () => {
  const depth = 100_000;
  const html = '<div>'.repeat(depth) + '<a href="/deep">deep</a>' + '</div>'.repeat(depth);
  const t0 = performance.now();
  const r = extractHtml(html);
  assert.deepEqual(r.links.map((l) => l.url), ['/deep']);
  assert.ok(performance.now() - t0 < 5000);
});

test('forms: defaults of every field type, nested and unclosed forms', () => {
  const page = 'http://127.0.0.1:1/p';
  const r = extractHtml(`<form method=post action=/a enctype="multipart/form-data">
    <input name=t value=x><input type=password name=p><input type=checkbox name=c1 checked><input type=checkbox name=c2 value=v>
    <select name=s multiple><option value=1>one<option value=2 selected>two</select>
    <select name=s2><option>alpha</option><option>beta</option></select>
    <textarea name=ta>line</textarea><input type=image name=img><input type=button name=b value=no>
  </form><form><input name=q value="a&amp;b">`);
  assert.equal(r.forms.length, 2);
  const [a, b] = r.forms.map((f) => formSubmissions(f, page, page).submissions[0]);
  assert.equal(a?.method, 'POST');
  assert.equal(a?.bodyKind, 'multipart');
  // the image button submits (it is the only submitter); the unchecked box is an unsent insertion point
  assert.deepEqual(a?.fields?.map((f) => `${f.name}=${f.value}${f.unsent ? ' (unsent)' : ''}`), ['t=x', 'p=wsc', 'c1=on', 's=2', 's2=alpha', 'ta=line', 'img.x=0', 'img.y=0', 'c2=v (unsent)']);
  assert.equal(b?.method, 'GET');
  assert.equal(b?.url, 'http://127.0.0.1:1/p?q=a%26b');
  assert.equal(refreshTarget('5; URL=\'/next\''), '/next');
  assert.equal(refreshTarget('10'), null);
  assert.equal(refreshTarget('0;url='), null);
  assert.equal(refreshTarget('0; URL = '), null);
});

test('entities decode where the HTML tokenizer would decode them, and nowhere else', () => {
  const r = extractHtml(`<a href="/q?a=1&amp;b=2&copy=3&lt">Tom &amp; Jerry&nbsp;&#x21;</a>
    <a href='/s?x=&quot;y&quot;'>s</a><a href=/u?c=1&amp;d=2>u</a>
    <title>A &amp; B</title><script>if (a &amp;&amp; b) fetch('/api/x?y=1&amp;z=2');</script>
    <form action="/f?k=&#49;"><textarea name=t>1 &lt; 2</textarea></form>`);
  // In attributes a legacy entity followed by "=" or a letter stays literal (HTML's attribute rule).
  assert.deepEqual(r.links.map((l) => l.url), ['/q?a=1&b=2&copy=3<', '/s?x="y"', '/u?c=1&d=2']);
  assert.equal(r.links[0]?.text, 'Tom & Jerry !', 'a no-break space is white space to the link text');
  // Script is raw text: what the browser runs keeps its "&amp;".
  assert.deepEqual(r.scripts, ["if (a &amp;&amp; b) fetch('/api/x?y=1&amp;z=2');"]);
  assert.equal(r.forms[0]?.action, '/f?k=1');
  assert.deepEqual(r.forms[0]?.controls.map((c) => [c.name, c.value]), [['t', '1 < 2']]);
  assert.deepEqual(parseSitemap('<urlset><url><loc>https://x.test/a?b=1&amp;c=&#50;&nbsp;</loc></url></urlset>').locs, ['https://x.test/a?b=1&c=2&nbsp;']);
});

test('JS endpoints: fetch/XHR/axios/jQuery with methods, literals that look like paths', () => {
  const js = `
    fetch('/api/a'); fetch(\`/api/tpl\`, { method: "PUT" });
    fetch('/api/form', { method: 'POST', body: new URLSearchParams({ user: u, age: 3 }) });
    x.open("POST", "/xhr/post", true);
    axios.delete('/api/item/1'); axios({ url: '/api/cfg', method: 'patch', data: { k: 1 } });
    $.post('/jq/post'); $.ajax({ url: '/jq/ajax', type: 'POST', data: { a: 1, b: 2 } });
    const p = '/static/page.html', q = 'list.php?x=1', m = 'text/html', w = 'hello world', r = '//cdn.example.com/x.js';
  `;
  const e = extractJs(js);
  const by = (u: string) => e.find((x) => x.url === u);
  assert.equal(by('/api/a')?.method, 'GET');
  assert.equal(by('/api/tpl')?.method, 'PUT');
  assert.deepEqual(by('/api/form')?.fields?.map((f) => f.name), ['user', 'age']);
  assert.equal(by('/xhr/post')?.method, 'POST');
  assert.equal(by('/api/item/1')?.method, 'DELETE');
  assert.equal(by('/api/cfg')?.method, 'PATCH');
  assert.equal(by('/jq/post')?.method, 'POST');
  assert.deepEqual(by('/jq/ajax')?.fields?.map((f) => f.name), ['a', 'b']);
  assert.ok(by('/static/page.html'));
  assert.ok(by('list.php?x=1'));
  assert.ok(!by('text/html') && !by('hello world') && !by('//cdn.example.com/x.js'));
  assert.ok(!looksLikePath('/'));
});

test('robots, sitemaps (index, gzip), URL identity', () => {
  const r = parseRobots('User-agent: *\nDisallow: /admin/ # secret\nAllow: /pub*\nDisallow: /\nSitemap: https://x.test/s.xml\n');
  assert.deepEqual(r.paths, ['/admin/', '/pub']);
  assert.deepEqual(r.sitemaps, ['https://x.test/s.xml']);
  const idx = parseSitemap('<?xml version="1.0"?><sitemapindex><sitemap><loc> https://x.test/a.xml </loc></sitemap></sitemapindex>');
  assert.deepEqual(idx, { index: true, locs: ['https://x.test/a.xml'] });
  const gz = gzipSync('<urlset><url><loc>https://x.test/p?a=1&amp;b=2</loc></url></urlset>').toString('latin1');
  assert.deepEqual(parseSitemap(sitemapText(gz, 1 << 20)).locs, ['https://x.test/p?a=1&b=2']);

  assert.equal(targetKey('get', 'http://h/p?b=2&a=1'), targetKey('GET', 'http://h/p?a=9&b=8'));
  assert.notEqual(targetKey('GET', 'http://h/p?a=1'), targetKey('GET', 'http://h/p?a=1&c=1'));
  assert.equal(fetchKey('GET', 'http://h/p?b=2&a=1'), fetchKey('GET', 'http://h/p?a=1&b=2'));
  assert.equal(patternKey('GET', 'http://h/cal/2024-01-02'), patternKey('GET', 'http://h/cal/2025-12-31'));
  assert.equal(patternKey('GET', 'http://h/s/0123456789abcdef01/x'), patternKey('GET', 'http://h/s/fedcba98765432100f/x'));
  assert.equal(patternKey('GET', 'http://h/a/b/a/b/a/b/'), patternKey('GET', 'http://h/a/b/a/x/a/b/a/b/'), 'a segment seen 3 times marks a loop');
  assert.match(patternKey('GET', 'http://h/p/q/r/q/r/'), /\/p\/\(q\/r\)\+\//, 'a repeated run collapses');
  assert.equal(patternKey('GET', 'http://h/item/12'), patternKey('GET', 'http://h/item/345'));
  assert.notEqual(patternKey('GET', 'http://h/item/12'), patternKey('GET', 'http://h/user/12'));
});

test('tag and attribute names: case folded, looked up by their characters, long and odd ones too', () => {
  const r = extractHtml('<A HREF="/1">a</A><a\u0000 href="/2">b</a><Iframe SRC="/3"></iframe><LINK hReF="/4"><abcdefghij href="/x"></abcdefghij>');
  assert.deepEqual(r.links.map((l) => `${l.kind} ${l.url}`), ['a /1', 'iframe /3', 'link /4']);
  assert.equal(r.links[0]?.text, 'a');
});
