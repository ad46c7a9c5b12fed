// The HTML shapes of real frameworks, written for this test (not copied from any of them): what
// each one's forms and scripts look like on the wire, and what the crawl must hand to the attacks.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { crawlSite } from '../../../test/helpers/crawl.js';
import type { Site } from '../../../test/helpers/site.js';
import type { CrawlResult } from '../crawler.js';
import type { CrawledRequest } from '../../core/model.js';

const PAGES: Record<string, string> = {
  // WordPress: a search form posting to the home URL, a comment form with hidden post ids
  '/wp/2024/05/hello-world/': `<form role="search" method="get" class="search-form" action="/wp/">
      <label><span class="screen-reader-text">Search for:</span><input type="search" class="search-field" placeholder="Search &hellip;" value="" name="s" /></label>
      <input type="submit" class="search-submit" value="Search" /></form>
    <form action="/wp/wp-comments-post.php" method="post" id="commentform" class="comment-form" novalidate>
      <p class="comment-form-comment"><textarea id="comment" name="comment" cols="45" rows="8" maxlength="65525" required></textarea></p>
      <input id="author" name="author" type="text" value="" size="30" maxlength="245" autocomplete="name" required />
      <input id="email" name="email" type="email" value="" size="30" maxlength="100" required />
      <input id="url" name="url" type="url" value="" size="30" maxlength="200" />
      <p class="form-submit"><input name="submit" type="submit" id="submit" class="submit" value="Post Comment" />
      <input type='hidden' name='comment_post_ID' value='1' id='comment_post_ID' /><input type='hidden' name='comment_parent' id='comment_parent' value='0' /></p>
      <input type="hidden" id="_wp_unfiltered_html_comment_disabled" name="_wp_unfiltered_html_comment" value="0f1e2d3c4b" /></form>`,
  // Drupal: form_build_id / form_token, the submit button named "op"
  '/drupal/user/login': `<form class="user-login-form" data-drupal-selector="user-login-form" action="/drupal/user/login?destination=/drupal/node" method="post" id="user-login-form" accept-charset="UTF-8">
      <div class="js-form-item form-item"><input autocorrect="none" autocapitalize="none" spellcheck="false" autocomplete="username" data-drupal-selector="edit-name" type="text" id="edit-name" name="name" value="" size="60" maxlength="60" class="form-text required" required="required" aria-required="true" /></div>
      <input autocomplete="current-password" data-drupal-selector="edit-pass" type="password" id="edit-pass" name="pass" size="60" maxlength="128" class="form-text required" required="required" />
      <input autocomplete="off" data-drupal-selector="form-x9" type="hidden" name="form_build_id" value="form-x9Yk" />
      <input data-drupal-selector="edit-user-login-form" type="hidden" name="form_id" value="user_login_form" />
      <div data-drupal-selector="edit-actions" class="form-actions js-form-wrapper form-wrapper" id="edit-actions"><input data-drupal-selector="edit-submit" type="submit" id="edit-submit" name="op" value="Log in" class="button js-form-submit form-submit" /></div></form>`,
  // Django: a POST form to itself with csrfmiddlewaretoken and an unnamed button
  '/django/polls/1/': `<form action="" method="post"><input type="hidden" name="csrfmiddlewaretoken" value="aB3dE5fG7hI9">
      <fieldset><legend><h1>What's up?</h1></legend>
      <input type="radio" name="choice" id="choice1" value="1"><label for="choice1">Not much</label><br>
      <input type="radio" name="choice" id="choice2" value="2"><label for="choice2">The sky</label><br></fieldset>
      <input type="submit" value="Vote"></form>`,
  // Rails: _method override, authenticity_token, bracketed names, a data-method link
  '/rails/users/1/edit': `<form class="edit_user" id="edit_user_1" action="/rails/users/1" accept-charset="UTF-8" method="post">
      <input type="hidden" name="_method" value="patch" autocomplete="off" /><input type="hidden" name="authenticity_token" value="Zm9vYmFy" autocomplete="off" />
      <input type="text" value="Ann" name="user[name]" id="user_name" /><input name="user[admin]" type="hidden" value="0" autocomplete="off" /><input type="checkbox" value="1" name="user[admin]" id="user_admin" />
      <input type="submit" name="commit" value="Update User" data-disable-with="Update User" /></form>
      <a data-turbo-method="delete" href="/rails/users/1/destroy">Destroy this user</a>`,
  // Laravel: _token and a PUT method field
  '/laravel/profile': `<form method="POST" action="/laravel/profile"><input type="hidden" name="_token" value="kT0k3n" autocomplete="off"><input type="hidden" name="_method" value="PUT">
      <input type="text" name="name" value="Ann"><input type="email" name="email" value=""><button type="submit">Save</button></form>`,
  // ASP.NET WebForms: one form per page, __VIEWSTATE, postbacks from links
  '/aspnet/Default.aspx': `<form method="post" action="./Default.aspx?view=list" id="form1">
      <div class="aspNetHidden"><input type="hidden" name="__EVENTTARGET" id="__EVENTTARGET" value="" /><input type="hidden" name="__EVENTARGUMENT" id="__EVENTARGUMENT" value="" />
      <input type="hidden" name="__VIEWSTATE" id="__VIEWSTATE" value="/wEPDwUKMTY1NDU2MTA1MmRk" /></div>
      <script type="text/javascript">var theForm = document.forms['form1']; function __doPostBack(eventTarget, eventArgument) { if (!theForm.onsubmit || (theForm.onsubmit() != false)) { theForm.__EVENTTARGET.value = eventTarget; theForm.__EVENTARGUMENT.value = eventArgument; theForm.submit(); } }</script>
      <input name="ctl00$MainContent$txtSearch" type="text" id="MainContent_txtSearch" /><input type="submit" name="ctl00$MainContent$btnSearch" value="Search" id="MainContent_btnSearch" />
      <a id="MainContent_lnkNext" href="javascript:__doPostBack(&#39;ctl00$MainContent$lnkNext&#39;,&#39;&#39;)">Next</a>
      <div class="aspNetHidden"><input type="hidden" name="__EVENTVALIDATION" id="__EVENTVALIDATION" value="/wEdAAM" /></div></form>`,
  // Spring (Thymeleaf output): _csrf hidden field, th:action rendered
  '/spring/login': `<form action="/spring/login" method="post"><input type="text" name="username"/><input type="password" name="password"/>
      <input type="hidden" name="_csrf" value="4bfd1575-3ad1-4d21-96c7-4ef2d9f86721"/><input type="submit" value="Sign In"/></form>`,
  // jQuery: forms submitted by script with .serialize() and FormData
  '/jquery/contact': `<form id="contact" action="/jquery/fallback"><input name="email" type="email"><textarea name="msg"></textarea><button>Send</button></form>
      <form id="avatar"><input type="file" name="pic"><input type="hidden" name="uid" value="7"></form>
      <script>
        $('#contact').on('submit', function (e) { e.preventDefault(); $.post('/jquery/api/contact', $(this).serialize(), function () {}); });
        $('#avatar').submit(function () { $.ajax({ url: '/jquery/api/avatar', type: 'POST', data: new FormData(this), processData: false, contentType: false }); return false; });
      </script>`,
  // API documentation: raw request examples in <pre>/<code>, as API docs and Burp-style guides show them
  '/docs/api.html': `<h2>Echo</h2><pre>POST /api/echo.php HTTP/1.1
Host: api.example.invalid
Content-Type: application/x-www-form-urlencoded
Authorization: Bearer your-token-here
Content-Length: 20

message=Hello+World!</pre>
    <h2>Lookup</h2><pre><code>POST /api/lookup.php HTTP/1.1
Host: api.example.invalid
Content-Type: application/json

{
    "hostname": "example.com",
    "type": "A"
}
</code></pre><p>Then press Send.</p>
    <pre>GET /api/users.php?username=ann HTTP/1.1
Host: api.example.invalid
Accept: application/json</pre>
    <pre>POST /soap/users.php HTTP/1.1
Content-Type: text/xml; charset=utf-8
SOAPAction: "urn:users#getUser"

&lt;soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:urn="urn:users"&gt;
   &lt;soapenv:Body&gt;&lt;urn:getUser&gt;&lt;username&gt;ann&lt;/username&gt;&lt;/urn:getUser&gt;&lt;/soapenv:Body&gt;
&lt;/soapenv:Envelope&gt;</pre>
    <pre>POST /soap/users.php HTTP/1.1
Content-Type: text/xml

&lt;Envelope&gt;&lt;Body&gt;&lt;listUsers&gt;&lt;page&gt;1&lt;/page&gt;&lt;/listUsers&gt;&lt;/Body&gt;&lt;/Envelope&gt;</pre>
    <pre>POST /soap/users.php HTTP/1.1
Content-Type: text/xml

&lt;Envelope&gt;&lt;Body&gt;&lt;deleteUser&gt;&lt;id&gt;1&lt;/id&gt;&lt;/deleteUser&gt;&lt;/Body&gt;&lt;/Envelope&gt;</pre>
    <pre>DELETE /api/users.php?username=ann HTTP/1.1</pre><pre>GET http://other.example.invalid/x HTTP/1.1</pre>
    <p>Inline: <code>GET /api/inline.php?x=1 HTTP/1.1</code></p>`,
};

let site: Site;
let result: CrawlResult;

before(async () => {
  const routes: Record<string, string> = { '/': Object.keys(PAGES).map((p) => `<a href="${p}">${p}</a>`).join('\n') };
  for (const [p, html] of Object.entries(PAGES)) routes[p] = `<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>t</title></head><body>${html}</body></html>`;
  ({ site, result } = await crawlSite(routes));
});

after(() => site.close());

function targets(method: string, pathAndQuery: string): CrawledRequest[] {
  return result.requests.filter((r) => r.method === method && new URL(r.url).pathname + new URL(r.url).search === pathAndQuery);
}
const names = (r: CrawledRequest | undefined): string[] => (r?.fields ?? []).map((f) => f.name + (f.unsent ? '?' : ''));

test('WordPress: the search form and the comment form with its hidden post ids', () => {
  assert.equal(targets('GET', '/wp/?s=wsc').length, 1);
  assert.deepEqual(names(targets('POST', '/wp/wp-comments-post.php')[0]), ['comment', 'author', 'email', 'url', 'submit', 'comment_post_ID', 'comment_parent', '_wp_unfiltered_html_comment']);
  const email = targets('POST', '/wp/wp-comments-post.php')[0]?.fields?.find((f) => f.name === 'email');
  assert.equal(email?.value, 'wsc@example.com', 'a required email field gets a valid address');
});

test('Drupal: the login form keeps its query, form_build_id and the "op" button', () => {
  assert.deepEqual(names(targets('POST', '/drupal/user/login?destination=/drupal/node')[0]), ['name', 'pass', 'form_build_id', 'form_id', 'op']);
});

test('Django: action="" posts to the page itself; no radio checked means none sent, both still attackable', () => {
  const f = targets('POST', '/django/polls/1/')[0];
  assert.deepEqual(names(f), ['csrfmiddlewaretoken', 'choice?']);
});

test('Rails: _method and authenticity_token ride along, bracketed names and the hidden+checkbox pair stay in order', () => {
  const f = targets('POST', '/rails/users/1')[0];
  assert.deepEqual(names(f), ['_method', 'authenticity_token', 'user[name]', 'user[admin]', 'commit', 'user[admin]?']);
  assert.equal(f?.fields?.[0]?.value, 'patch');
});

test('Laravel: _token and _method=PUT with an unnamed submit button', () => {
  assert.deepEqual(names(targets('POST', '/laravel/profile')[0]), ['_token', '_method', 'name', 'email']);
});

test('ASP.NET WebForms: the search button and a __doPostBack link are two submissions of the one form', () => {
  const subs = targets('POST', '/aspnet/Default.aspx?view=list');
  const byButton = subs.find((s) => names(s).includes('ctl00$MainContent$btnSearch'));
  const byLink = subs.find((s) => !names(s).includes('ctl00$MainContent$btnSearch'));
  assert.ok(byButton && byLink, subs.map((s) => names(s).join(',')).join(' | '));
  assert.equal(byLink.fields?.find((f) => f.name === '__EVENTTARGET')?.value, 'ctl00$MainContent$lnkNext');
  assert.ok(names(byLink).includes('__VIEWSTATE') && names(byLink).includes('__EVENTVALIDATION'));
});

test('Spring: the login form with its _csrf field', () => {
  assert.deepEqual(names(targets('POST', '/spring/login')[0]), ['username', 'password', '_csrf']);
});

test("jQuery: $(this).serialize() and new FormData(this) send the bound form's fields to the script's URL", () => {
  const contact = targets('POST', '/jquery/api/contact')[0];
  assert.equal(contact?.bodyKind, 'urlencoded');
  assert.deepEqual(names(contact), ['email', 'msg']);
  const avatar = targets('POST', '/jquery/api/avatar')[0];
  assert.equal(avatar?.bodyKind, 'multipart');
  assert.deepEqual(names(avatar), ['pic', 'uid']);
  assert.ok(avatar?.fields?.[0]?.filename, 'FormData carries the file');
  assert.equal(targets('GET', '/jquery/fallback?email=wsc%40example.com&msg=wsc').length, 1, 'the plain form submission is there too');
});

test('API documentation: request examples in <pre>/<code> are targets on our origin with their body and content type', () => {
  const echo = targets('POST', '/api/echo.php')[0];
  assert.deepEqual(echo?.fields, [{ name: 'message', value: 'Hello World!' }]);
  assert.deepEqual(echo?.headers, { 'Content-Type': 'application/x-www-form-urlencoded' }, 'Host, Authorization and Content-Length are the example\'s own');
  const lookup = targets('POST', '/api/lookup.php')[0];
  assert.equal(lookup?.bodyKind, 'json');
  assert.deepEqual(JSON.parse(lookup?.rawBody ?? '{}'), { hostname: 'example.com', type: 'A' });
  assert.equal(targets('GET', '/api/users.php?username=ann').length, 1);
  assert.equal(targets('GET', '/api/inline.php?x=1').length, 1);
  const soap = targets('POST', '/soap/users.php');
  assert.equal(soap.length, 2, 'two operations on one path are two targets (their leaf elements differ)');
  const get = soap.find((r) => r.rawBody?.includes('getUser'));
  assert.equal(get?.bodyKind, 'xml');
  assert.equal(get?.headers?.SOAPAction, '"urn:users#getUser"');
  assert.match(get?.rawBody ?? '', /^<soapenv:Envelope[\s\S]*<username>ann<\/username>[\s\S]*<\/soapenv:Envelope>$/);
  assert.equal(result.requests.filter((r) => r.method === 'DELETE').length, 0, 'DELETE examples are not taken');
  assert.ok(!soap.some((r) => r.rawBody?.includes('deleteUser')), 'nor a deleteUser operation');
  assert.ok(!result.urls.some((u) => u.url.includes('other.example.invalid')));
});
