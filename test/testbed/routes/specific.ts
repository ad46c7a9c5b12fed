// Specific Vulnerability pages: small emulations of well-known vulnerable products under /specific/
// (Apache 2.4.49/2.4.50 path normalisation, PHPUnit eval-stdin, an open Spring Boot env actuator,
// Jira's makeRequest SSRF) and their fixed twins under /specific-safe/. Files live in a small virtual
// file system; the flaws are the real ones (checking before decoding, evaluating the body, fetching).
import { exec } from 'node:child_process';
import { createHash } from 'node:crypto';
import { get } from 'node:http';
import { posix } from 'node:path';
import { notFoundPage, type Route, type TestbedRequest, type TestbedResponse } from '../server.js';

const FILES: Record<string, string> = {
  '/etc/passwd': 'root:x:0:0:root:/root:/bin/bash\ndaemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin\nwww-data:x:33:33:www-data:/var/www:/usr/sbin/nologin\n',
  '/usr/local/apache2/cgi-bin/printenv': '#!/bin/sh\necho "Content-Type: text/plain"\n',
  '/usr/local/apache2/icons/README': 'Public Domain Icons\n',
  '/usr/local/apache2/htdocs/assets/logo.txt': 'our logo\n',
};

function percentDecode(s: string): string {
  return s.replace(/%([0-9a-fA-F]{2})/g, (_m, h: string) => String.fromCharCode(parseInt(h, 16)));
}

/** Apache's alias mapping for /cgi-bin/ and /icons/; `fixed` decodes before checking, as 2.4.51 does. */
function apacheAlias(res: TestbedResponse, alias: string, rest: string, fixed: boolean): void {
  const root = `/usr/local/apache2/${alias}`;
  let decoded: string;
  if (fixed) {
    decoded = percentDecode(percentDecode(rest));
    const target = posix.normalize(posix.join(root, decoded));
    if (!target.startsWith(root + '/') || decoded.split('/').includes('..')) return res.html('<h1>Forbidden</h1><p>You don\'t have permission to access this resource.</p>', 403);
  } else {
    // 2.4.49/2.4.50: ".." is looked for in the raw path, and only then are %xx sequences decoded
    if (rest.split('/').includes('..')) return res.html('<h1>Bad Request</h1>', 400);
    decoded = percentDecode(percentDecode(rest));
  }
  const file = FILES[posix.normalize(posix.join(root, decoded))];
  if (file === undefined) return res.html('<h1>Not Found</h1><p>The requested URL was not found on this server.</p>', 404);
  res.text(file);
}

function rawPath(req: TestbedRequest): string {
  return (req.raw.url ?? '/').split('?')[0] as string;
}

/** The raw path /specific[-safe]/(cgi-bin|icons|assets)/rest, before any URL normalisation. */
function aliasRoute(req: TestbedRequest, res: TestbedResponse): void {
  const m = /^\/(specific|specific-safe)\/(cgi-bin|icons|assets)\/(.*)$/.exec(rawPath(req));
  if (!m) return res.html(notFoundPage(req.path));
  // assets/ is a plain folder of the document root, reachable by the same traversal as the aliases
  apacheAlias(res, m[2] === 'assets' ? 'htdocs/assets' : (m[2] as string), m[3] as string, m[1] === 'specific-safe');
}

/**
 * A CGI script run by an unpatched bash: a header holding a function definition gets the commands
 * after it run (Shellshock). Only our benign echo payloads ever reach this shell, on loopback.
 */
function shellshockCgi(patched: boolean) {
  return (req: TestbedRequest, res: TestbedResponse): Promise<void> =>
    new Promise((resolve) => {
      const report = 'Content-Type: text/plain\n\nDisk usage report: 42% used.\n';
      const header = [req.headers['user-agent'], req.headers.referer].map(String).find((h) => /^\(\)\s*\{\s*:;\s*\};/.test(h));
      if (patched || header === undefined) {
        res.text(report);
        return resolve();
      }
      exec(header.replace(/^\(\)\s*\{\s*:;\s*\};/, ''), { shell: '/bin/sh', timeout: 5000 }, (_e, out) => {
        res.text(`${out}${report}`);
        resolve();
      });
    });
}

/** PHPUnit's eval-stdin.php runs `eval('?>' . file_get_contents('php://input'))`; this evaluates the echo statements it supports. */
function evalPhp(code: string): string {
  const body = /<\?php([\s\S]*?)(?:\?>|$)/.exec(code)?.[1] ?? '';
  let out = '';
  for (const stmt of body.split(';')) {
    const s = stmt.trim();
    if (s === '') continue;
    const md5 = /^echo\s+md5\(\s*(["'])([^"']*)\1\s*\)$/.exec(s);
    const mul = /^echo\s+(\d+)\s*\*\s*(\d+)$/.exec(s);
    const str = /^echo\s+(["'])([^"']*)\1$/.exec(s);
    if (md5) out += createHash('md5').update(md5[2] as string).digest('hex');
    else if (mul) out += String(Number(mul[1]) * Number(mul[2]));
    else if (str) out += str[2];
    else return `PHP Parse error: syntax error, unexpected '${s.slice(0, 20)}'`;
  }
  return out;
}

const EVAL_STDIN_SOURCE = `<?php declare(strict_types=1);
/*
 * This file is part of PHPUnit.
 */
eval('?>' . \\file_get_contents('php://stdin'));
`;

function fetchLoopback(url: string): Promise<string> {
  return new Promise((resolve) => {
    let u: URL;
    try {
      u = new URL(url);
    } catch {
      return resolve('invalid url');
    }
    // the testbed only ever talks to this machine
    if (u.protocol !== 'http:' || u.hostname !== '127.0.0.1') return resolve('refused: not a loopback URL');
    const r = get(u, { timeout: 2000 }, (res) => {
      let data = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (data += c.slice(0, 2000)));
      res.on('end', () => resolve(data));
    });
    r.on('timeout', () => r.destroy(new Error('timeout')));
    r.on('error', (err) => resolve(`fetch failed: ${err.message}`));
  });
}

const ENV = {
  activeProfiles: ['prod'],
  propertySources: [
    { name: 'server.ports', properties: { 'local.server.port': { value: 8080 } } },
    { name: 'applicationConfig: [classpath:/application.properties]', properties: { 'spring.datasource.url': { value: 'jdbc:postgresql://db.internal:5432/shop' }, 'spring.datasource.password': { value: '******' } } },
  ],
};

const page = (title: string, body: string): string => `<!doctype html><html><head><title>${title}</title></head><body><h1>${title}</h1>\n${body}\n</body></html>`;

function index(prefix: string, title: string): string {
  return page(title, `<p>Our shop runs on Apache httpd, Spring Boot (actuator enabled for health), PHPUnit-tested PHP and Jira gadgets.</p>
<ul><li><a href="${prefix}/app/index.php">Shop application</a></li><li><a href="${prefix}/actuator/health">Health</a></li><li><a href="${prefix}/cgi-bin/printenv">CGI</a></li>
<li><a href="${prefix}/tools/report.cgi">Disk report</a></li><li><a href="${prefix}/assets/logo.txt">Logo</a></li></ul>`);
}

const SV = 'Specific Vulnerability' as const;

export const routes: Route[] = [
  { method: 'GET', path: '/specific/', index: true, title: 'Known vulnerable products', handler: (_q, r) => r.html(index('/specific', 'Known vulnerable products')) },
  { method: 'GET', path: '/specific-safe/', index: true, title: 'Known products, patched', safeFor: [SV], handler: (_q, r) => r.html(index('/specific-safe', 'Known products, patched')) },
  { method: 'GET', path: /^\/specific(-safe)?\/app\/index\.php$/, handler: (_q, r) => r.html(page('Shop', '<p>Welcome to the shop.</p>')) },
  { method: 'GET', path: /^\/specific(-safe)?\/actuator\/health$/, handler: (_q, r) => r.json({ status: 'UP' }) },
  // "/specific/cgi-bin/.%2e/.%2e/etc/passwd" reaches the server raw; URL parsing here turns it into /etc/passwd
  { method: 'GET', path: '/etc/passwd', handler: aliasRoute },
  { method: 'GET', path: /^\/specific\/(?:cgi-bin|icons)\/.*$/, vulnerable: [{ item: SV }], handler: aliasRoute },
  { method: 'GET', path: /^\/specific-safe\/(?:cgi-bin|icons|assets)\/.*$/, safeFor: [SV], handler: aliasRoute },
  // a plain folder of the document root: only templates tried under every discovered folder reach it
  { method: 'GET', path: /^\/specific\/assets\/.*$/, vulnerable: [{ item: SV }], handler: aliasRoute },
  // found only by the crawl: no template names this script
  { method: 'GET', path: '/specific/tools/report.cgi', vulnerable: [{ item: SV }], handler: shellshockCgi(false) },
  { method: 'GET', path: '/specific-safe/tools/report.cgi', safeFor: [SV], handler: shellshockCgi(true) },
  {
    method: 'POST',
    path: '/specific/app/vendor/phpunit/phpunit/src/Util/PHP/eval-stdin.php',
    vulnerable: [{ item: SV }],
    handler: (req, res) => res.text(evalPhp(req.text()), 200, 'text/html; charset=UTF-8'),
  },
  {
    method: ['GET', 'POST'],
    path: '/specific-safe/app/vendor/phpunit/phpunit/src/Util/PHP/eval-stdin.php',
    safeFor: [SV],
    // served as a static file: the PHP handler is not mapped for vendor/
    handler: (_req, res) => res.text(EVAL_STDIN_SOURCE, 200, 'application/x-httpd-php-source'),
  },
  { method: 'GET', path: '/specific/actuator/env', vulnerable: [{ item: SV }], handler: (_q, r) => r.text(JSON.stringify(ENV), 200, 'application/vnd.spring-boot.actuator.v3+json') },
  {
    method: 'GET',
    path: '/specific-safe/actuator/env',
    safeFor: [SV],
    handler: (req, res) => res.json({ timestamp: new Date().toISOString(), status: 401, error: 'Unauthorized', path: req.path, activeProfiles: 'hidden' }, 401),
  },
  {
    method: 'GET',
    path: '/specific/plugins/servlet/gadgets/makeRequest',
    vulnerable: [{ item: SV, parameter: 'url' }],
    handler: async (req, res) => res.json({ [req.query.get('url') ?? '']: { body: await fetchLoopback(req.query.get('url') ?? ''), rc: 200 } }),
  },
  {
    method: 'GET',
    path: '/specific-safe/plugins/servlet/gadgets/makeRequest',
    safeFor: [SV],
    handler: (req, res) => res.json({ [req.query.get('url') ?? '']: { rc: 403, body: 'URL is not in the allow-list' } }, 403),
  },
];
