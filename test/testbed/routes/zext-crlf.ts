// CRLF injection (extension item): /crlf/ pages write a parameter into a response header as a
// legacy server does, unchecked: a language redirect (Location) and a tracking cookie that drops CR
// and LF, then URL-decodes the value again. /crlf-safe/ twins URL-encode the value or drop both
// characters.
import { STATUS_CODES } from 'node:http';
import type { Route, TestbedResponse } from '../server.js';

const page = (title: string, body: string): string =>
  `<!doctype html><html><head><title>${title}</title></head><body><h1>${title}</h1>\n${body}\n</body></html>`;

/**
 * A response whose header lines are written as given, the way a CGI or an old server writes a
 * header value. Node's header API refuses line breaks, so the lines go in after the status line
 * through the method writeHead itself uses (it does not check that text); Node still frames the
 * response (length, keep-alive), so pipelined requests behind it on the connection are answered.
 */
function rawResponse(res: TestbedResponse, status: number, headerLines: string[], body: string): void {
  const head = `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ''}\r\n${headerLines.map((l) => `${l}\r\n`).join('')}`;
  res.statusCode = status;
  (res as unknown as { _storeHeader(firstLine: string, headers: Record<string, string>): void })._storeHeader(head, {
    'content-type': 'text/html',
    'content-length': String(Buffer.byteLength(body)),
  });
  res.end(body);
}

function decodeOnce(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    // a stray % stays as sent
    return s;
  }
}

export const routes: Route[] = [
  {
    method: 'GET',
    path: '/crlf/',
    index: true,
    title: 'Language switch (raw headers)',
    handler: (_req, res) => res.html(page('Language', '<a href="/crlf/lang?lang=en">English</a> <a href="/crlf/track?campaign=spring">Spring offer</a>')),
  },
  {
    method: 'GET',
    path: '/crlf/lang',
    vulnerable: [{ item: 'CRLF Injection', parameter: 'lang' }],
    handler: (req, res) => rawResponse(res, 302, [`Location: /crlf/?lang=${req.query.get('lang') ?? 'en'}`], ''),
  },
  {
    method: 'GET',
    path: '/crlf/track',
    vulnerable: [{ item: 'CRLF Injection', parameter: 'campaign' }],
    handler: (req, res) => rawResponse(res, 200, [`Set-Cookie: campaign=${decodeOnce((req.query.get('campaign') ?? '').replace(/[\r\n]/g, ''))}; Path=/crlf`], page('Offer', '<p>Spring offer.</p>')),
  },
  {
    method: 'GET',
    path: '/crlf-safe/',
    index: true,
    title: 'Language switch (encoded headers)',
    handler: (_req, res) => res.html(page('Language', '<a href="/crlf-safe/lang?lang=en">English</a> <a href="/crlf-safe/track?campaign=spring">Spring offer</a>')),
  },
  {
    method: 'GET',
    path: '/crlf-safe/lang',
    safeFor: ['CRLF Injection'],
    handler: (req, res) => rawResponse(res, 302, [`Location: /crlf-safe/?lang=${encodeURIComponent(req.query.get('lang') ?? 'en')}`], ''),
  },
  {
    method: 'GET',
    path: '/crlf-safe/track',
    safeFor: ['CRLF Injection'],
    handler: (req, res) => rawResponse(res, 200, [`Set-Cookie: campaign=${(req.query.get('campaign') ?? '').replace(/[\r\n]/g, '')}; Path=/crlf-safe`], page('Offer', `<p>${(req.query.get('campaign') ?? '').replace(/[<>&\r\n]/g, '')}</p>`)),
  },
];
