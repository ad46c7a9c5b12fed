// CRLF injection (extension item): /crlf/ pages write a parameter into a response header as a
// legacy server does, straight onto the socket (Node's own header API refuses line breaks): a
// language redirect (Location) and a tracking cookie that drops CR and LF, then URL-decodes the value again. /crlf-safe/ twins
// URL-encode the value or drop both characters.
import type { Route, TestbedRequest } from '../server.js';

const page = (title: string, body: string): string =>
  `<!doctype html><html><head><title>${title}</title></head><body><h1>${title}</h1>\n${body}\n</body></html>`;

/** A response written raw, header lines as given: what a CGI or an old server does with a header value. */
function rawResponse(req: TestbedRequest, status: string, headerLines: string[], body: string): void {
  const sock = req.raw.socket;
  sock.write(`HTTP/1.1 ${status}\r\n${headerLines.join('\r\n')}\r\nContent-Type: text/html\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
  sock.end();
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
    handler: (req) => rawResponse(req, '302 Found', [`Location: /crlf/?lang=${req.query.get('lang') ?? 'en'}`], ''),
  },
  {
    method: 'GET',
    path: '/crlf/track',
    vulnerable: [{ item: 'CRLF Injection', parameter: 'campaign' }],
    handler: (req) => rawResponse(req, '200 OK', [`Set-Cookie: campaign=${decodeOnce((req.query.get('campaign') ?? '').replace(/[\r\n]/g, ''))}; Path=/crlf`], page('Offer', '<p>Spring offer.</p>')),
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
    handler: (req) => rawResponse(req, '302 Found', [`Location: /crlf-safe/?lang=${encodeURIComponent(req.query.get('lang') ?? 'en')}`], ''),
  },
  {
    method: 'GET',
    path: '/crlf-safe/track',
    safeFor: ['CRLF Injection'],
    handler: (req) => rawResponse(req, '200 OK', [`Set-Cookie: campaign=${(req.query.get('campaign') ?? '').replace(/[\r\n]/g, '')}; Path=/crlf-safe`], page('Offer', `<p>${(req.query.get('campaign') ?? '').replace(/[<>&\r\n]/g, '')}</p>`)),
  },
];
