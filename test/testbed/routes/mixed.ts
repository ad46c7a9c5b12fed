// Mixed Content pages. Mixed content only exists on HTTPS pages and the shared testbed is plain
// HTTP, so these pages are exported as data (not as `routes`) and served by the mixed-content test
// from a loopback HTTPS server with a certificate it generates. /mixed/ pages load scripts, frames,
// styles, media or post forms over http://; /mixed-safe/ pages use https, relative and
// protocol-relative URLs, mention http:// URLs only as text or links, or upgrade insecure requests.

export interface MixedPage {
  html: string;
  headers?: Record<string, string>;
  /** Ground truth: the finding classes this page must produce (empty on a safe twin). */
  expect: ('active' | 'passive' | 'form')[];
}

const doc = (title: string, body: string, head = ''): string =>
  `<!doctype html><html><head><title>${title}</title>${head}</head><body><h1>${title}</h1>${body}</body></html>`;

/** Pages by path; `{{http}}` is replaced by the plain-HTTP origin the test runs beside the HTTPS one. */
export const MIXED_PAGES: Record<string, MixedPage> = {
  '/mixed/': {
    expect: [],
    html: doc('Shop (secure)', `<ul><li><a href="/mixed/checkout">checkout</a></li><li><a href="/mixed/gallery">gallery</a></li>
<li><a href="/mixed/styled">styled</a></li><li><a href="/mixed/based">based</a></li></ul>`),
  },
  '/mixed/checkout': {
    expect: ['active', 'form'],
    html: doc('Checkout', `<script src="{{http}}/static/pay.js"></script>
<form method="post" action="{{http}}/pay"><input name="card"><input type="submit"></form>`),
  },
  '/mixed/gallery': {
    expect: ['passive'],
    html: doc('Gallery', `<img src="{{http}}/img/a.png" alt="a"><img srcset="/img/b.png 1x, {{http}}/img/b@2x.png 2x">
<video poster="{{http}}/img/poster.jpg"><source src="/media/clip.mp4"></video>`),
  },
  '/mixed/styled': {
    expect: ['active'],
    html: doc('Styled', '<p>Welcome</p>', '<link rel="stylesheet" href="{{http}}/css/site.css">'),
  },
  // a <base> pointing at http:// makes every relative subresource insecure
  '/mixed/based': {
    expect: ['active'],
    html: doc('Based', '<iframe src="widgets/frame.html"></iframe>', '<base href="{{http}}/mixed/">'),
  },

  '/mixed-safe/': {
    expect: [],
    html: doc('Shop (safe)', `<ul><li><a href="/mixed-safe/checkout">checkout</a></li><li><a href="/mixed-safe/upgraded">upgraded</a></li>
<li><a href="/mixed-safe/links">links</a></li></ul>`),
  },
  '/mixed-safe/checkout': {
    expect: [],
    html: doc('Checkout', `<script src="/static/pay.js"></script><script src="//cdn.example.invalid/lib.js"></script>
<link rel="stylesheet" href="https://cdn.example.invalid/site.css"><img src="img/a.png">
<form method="post" action="/pay"><input name="card"></form>`),
  },
  '/mixed-safe/upgraded': {
    expect: [],
    headers: { 'content-security-policy': "default-src 'self' https:; upgrade-insecure-requests" },
    html: doc('Upgraded', '<img src="{{http}}/img/a.png"><script src="{{http}}/static/pay.js"></script>'),
  },
  // http:// in plain links, text, a non-stylesheet <link> and a comment loads nothing
  '/mixed-safe/links': {
    expect: [],
    html: doc('Links', `<p>Our old site was {{http}}/old and <a href="{{http}}/legacy">still works</a>.</p>
<link rel="alternate" href="{{http}}/feed.xml"><!-- <script src="{{http}}/x.js"></script> -->
<pre>&lt;script src="{{http}}/static/pay.js"&gt;&lt;/script&gt;</pre>`),
  },
};
