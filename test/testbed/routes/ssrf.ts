// SSRF pages: /ssrf/ links to a URL previewer that fetches server-side and shows the status, a
// webhook form that fetches in the background and shows nothing, and a feed reader that fetches
// only addresses on its own host (an "internal only" rule that still lets the client pick internal
// URLs); /ssrf-safe/ has twins (exact-URL allowlist, a page that only links the URL). Every fetch is
// restricted to loopback so the testbed never leaves the machine.
import type { Route } from '../server.js';

const esc = (s: string): string => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
const page = (title: string, body: string): string =>
  `<!doctype html><html><head><title>${esc(title)}</title></head><body><h1>${esc(title)}</h1>\n${body}\n</body></html>`;

export interface Fetched {
  status: number;
  contentType: string;
  text: string;
}

/** Fetches an http URL on loopback only (the testbed's safety rule); an Error describes a refusal. */
export async function fetchLoopback(raw: string): Promise<Fetched | Error> {
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    return new Error('invalid URL');
  }
  if (u.protocol !== 'http:' || !['127.0.0.1', 'localhost', '[::1]'].includes(u.hostname)) return new Error('host not reachable');
  try {
    const r = await fetch(u, { redirect: 'manual', signal: AbortSignal.timeout(3000) });
    const text = (await r.text()).slice(0, 64 * 1024);
    return { status: r.status, contentType: r.headers.get('content-type') ?? '', text };
  } catch (err) {
    return err instanceof Error ? err : new Error(String(err));
  }
}

export const routes: Route[] = [
  {
    method: 'GET',
    path: '/ssrf/',
    index: true,
    title: 'URL tools',
    handler: (req, res) => {
      const self = `http://${req.headers.host ?? ''}`;
      res.html(
        page(
          'URL tools',
          `<ul>
<li><a href="/ssrf/preview?url=${encodeURIComponent(`${self}/ssrf/sample.txt`)}">link preview</a></li>
<li><a href="/ssrf/feed?feed=${encodeURIComponent(`${self}/ssrf/news.txt`)}">news feed</a></li>
</ul>
<form method="post" action="/ssrf/webhook"><input name="name" value="alerts"><input name="webhook" value="https://hooks.example.com/notify"><input type="submit" value="Save"></form>`,
        ),
      );
    },
  },
  { method: 'GET', path: '/ssrf/sample.txt', handler: (_req, res) => res.text('sample document\n') },
  { method: 'GET', path: '/ssrf/news.txt', handler: (_req, res) => res.text('Quarterly results are out.\n') },
  {
    method: 'GET',
    path: '/ssrf/preview',
    vulnerable: [{ item: 'SSRF', parameter: 'url' }],
    handler: async (req, res) => {
      const url = req.query.get('url') ?? '';
      const r = await fetchLoopback(url);
      res.html(page('Link preview', r instanceof Error ? `<p>Could not fetch: ${esc(r.message)}</p>` : `<p>Fetched: HTTP ${r.status}, ${esc(r.contentType)}, ${r.text.length} characters.</p>`));
    },
  },
  {
    // blind: the hook is called after the answer, and the answer says nothing about it
    method: 'POST',
    path: '/ssrf/webhook',
    vulnerable: [{ item: 'SSRF', parameter: 'webhook' }],
    handler: (req, res) => {
      const hook = req.form().get('webhook') ?? '';
      setTimeout(() => {
        void fetchLoopback(hook).then((r) => r instanceof Error ? undefined : r.status);
      }, 200).unref();
      res.html(page('Webhook', '<p>Webhook saved.</p>'));
    },
  },
  {
    // "internal feeds only": any URL on this host is fetched and shown, our listener's port is not
    method: 'GET',
    path: '/ssrf/feed',
    vulnerable: [{ item: 'SSRF', parameter: 'feed' }],
    handler: async (req, res) => {
      const feed = req.query.get('feed') ?? '';
      let host = '';
      try {
        host = new URL(feed).host;
      } catch {
        // an invalid URL has no host and is refused below
      }
      if (host !== req.headers.host) return res.html(page('Feed reader', '<p>Only internal feeds are allowed.</p>'), 400);
      const r = await fetchLoopback(feed);
      res.html(page('Feed reader', r instanceof Error ? `<p>Feed unavailable.</p>` : `<pre>${esc(r.text)}</pre>`));
    },
  },
  {
    method: 'GET',
    path: '/ssrf-safe/',
    index: true,
    title: 'URL tools (safe)',
    handler: (req, res) => {
      const self = `http://${req.headers.host ?? ''}`;
      res.html(
        page(
          'URL tools',
          `<ul>
<li><a href="/ssrf-safe/preview?url=${encodeURIComponent(`${self}/ssrf/sample.txt`)}">link preview</a></li>
<li><a href="/ssrf-safe/link?url=${encodeURIComponent('https://example.com/article')}">share</a></li>
</ul>`,
        ),
      );
    },
  },
  {
    method: 'GET',
    path: '/ssrf-safe/preview',
    safeFor: ['SSRF', 'RFI'],
    handler: async (req, res) => {
      const url = req.query.get('url') ?? '';
      const allowed = [`http://${req.headers.host ?? ''}/ssrf/sample.txt`, `http://${req.headers.host ?? ''}/ssrf/news.txt`];
      if (!allowed.includes(url)) return res.html(page('Link preview', '<p>This address is not on the allowlist.</p>'), 400);
      const r = await fetchLoopback(url);
      res.html(page('Link preview', r instanceof Error ? '<p>Could not fetch.</p>' : `<p>Fetched: HTTP ${r.status}, ${r.text.length} characters.</p>`));
    },
  },
  {
    method: 'GET',
    path: '/ssrf-safe/link',
    safeFor: ['SSRF', 'RFI'],
    handler: (req, res) => {
      const url = req.query.get('url') ?? '';
      res.html(page('Share', `<p>Share this: <code>${esc(url)}</code></p>`));
    },
  },
];
