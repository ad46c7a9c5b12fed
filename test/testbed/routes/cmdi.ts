// Command Injection pages: a real /bin/sh with a parameter spliced into the command line (output
// shown, output hidden, and run in the background), and safe twins that pass the same values as
// arguments with execFile (no shell). /cmdi/ links the vulnerable pages, /cmdi-safe/ the twins.
import { exec, execFile, spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Route, TestbedRequest, TestbedResponse } from '../server.js';

const C = 'Command Injection' as const;
const DIR = mkdtempSync(join(tmpdir(), 'wsc-cmdi-'));
writeFileSync(join(DIR, 'notes.txt'), 'some notes\n');
writeFileSync(join(DIR, 'report.txt'), 'a report\n');

const esc = (s: string): string => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
const page = (title: string, body: string): string =>
  `<!doctype html><html><head><title>${esc(title)}</title></head><body><h1>${esc(title)}</h1>\n${body}\n</body></html>`;

// Only our benign payloads ever reach these shells, on a loopback-only testbed; bounded in time.
// Node refuses NUL bytes in commands and arguments (other checks send them): answered as an error.
const NUL = '\u0000';

function shell(cmd: string): Promise<string> {
  return new Promise((resolve) => {
    if (cmd.includes(NUL)) return resolve('invalid argument');
    exec(cmd, { shell: '/bin/sh', cwd: DIR, timeout: 10_000 }, (_err, stdout, stderr) => resolve(`${stdout}${stderr}`));
  });
}

function direct(file: string, args: string[]): Promise<string> {
  return new Promise((resolve) => {
    if (args.some((a) => a.includes(NUL))) return resolve('invalid argument');
    execFile(file, args, { cwd: DIR, timeout: 10_000 }, (_err, stdout, stderr) => resolve(`${stdout}${stderr}`));
  });
}

function background(cmd: string): void {
  if (cmd.includes(NUL)) return;
  const child = spawn('/bin/sh', ['-c', cmd], { cwd: DIR, stdio: 'ignore', detached: false });
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  timer.unref();
  child.on('exit', () => clearTimeout(timer));
  child.unref();
}

type Mode = 'shell' | 'direct';

const lookup = (mode: Mode) => async (req: TestbedRequest, res: TestbedResponse): Promise<void> => {
  const host = req.query.get('host') ?? 'localhost';
  // Reads /etc/hosts only: `getent hosts` would send the probes' random names to a DNS resolver.
  // The parameter stays last on the line, as in `getent hosts $host`, and nothing reads stdin.
  const out = mode === 'shell' ? await shell(`cat /etc/hosts | grep -i ${host}`) : await direct('grep', ['-i', '--', host, '/etc/hosts']);
  res.html(page('Host lookup', `<pre>${esc(out)}</pre>`));
};

const count = (mode: Mode) => async (req: TestbedRequest, res: TestbedResponse): Promise<void> => {
  const name = req.form().get('name') ?? 'notes.txt';
  const out = mode === 'shell' ? await shell(`wc -c '${name}'`) : await direct('wc', ['-c', name]);
  res.html(page('Size', `<pre>${esc(out)}</pre>`));
};

const greet = (mode: Mode) => async (req: TestbedRequest, res: TestbedResponse): Promise<void> => {
  let name = '';
  try {
    name = String((JSON.parse(req.text()) as { name?: unknown }).name ?? '');
  } catch (err) {
    return res.json({ error: `bad json: ${(err as Error).message}` }, 400);
  }
  const out = mode === 'shell' ? await shell(`echo "Hello, ${name}"`) : await direct('echo', [`Hello, ${name}`]);
  res.json({ greeting: out.trim() });
};

// Output thrown away: only the time the command takes shows.
const convert = (mode: Mode) => async (req: TestbedRequest, res: TestbedResponse): Promise<void> => {
  const file = req.query.get('file') ?? 'report.txt';
  if (mode === 'shell') await shell(`touch -c ${file} >/dev/null 2>&1`);
  else await direct('touch', ['-c', file]);
  res.html(page('Convert', '<p>Your conversion is done.</p>'));
};

// Run in the background after the answer: neither output nor time shows, only what it fetches.
const notify = (mode: Mode) => (req: TestbedRequest, res: TestbedResponse): void => {
  const email = req.query.get('email') ?? 'user@example.com';
  if (mode === 'shell') background(`echo notify ${email} >/dev/null`);
  else void direct('echo', ['notify', email]);
  res.html(page('Notify', '<p>We will let you know.</p>'));
};

// A SOAP service whose only description is the raw request example on its documentation page.
const soap = (mode: Mode) => async (req: TestbedRequest, res: TestbedResponse): Promise<void> => {
  const m = /<file>([^<]*)<\/file>/.exec(req.text());
  if (!m) return res.text('<soap:Fault>no file</soap:Fault>', 500, 'text/xml');
  const file = (m[1] ?? '').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&apos;/g, "'").replace(/&amp;/g, '&');
  const out = mode === 'shell' ? await shell(`wc -c ${file}`) : await direct('wc', ['-c', file]);
  res.text(`<?xml version="1.0"?><soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body><sizeResponse><out>${esc(out)}</out></sizeResponse></soap:Body></soap:Envelope>`, 200, 'text/xml');
};
const soapDocs = (base: string): string =>
  page('Size service', `<p>Send this request:</p><pre>POST ${base}/soap/size HTTP/1.1
Host: tools.example.invalid
Content-Type: text/xml; charset=utf-8
SOAPAction: "urn:tools#size"

${esc('<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Body><size><file>notes.txt</file></size></soapenv:Body></soapenv:Envelope>')}</pre>`);

const apiPage = (base: string): string =>
  page('Greeter', `<script>function hi(n) { return fetch('${base}/api/greet', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ name: n }) }); }</script>`);

const links = (base: string): string =>
  `<ul><li><a href="${base}/lookup?host=localhost">Lookup</a></li><li><a href="${base}/size">File size</a></li>
<li><a href="${base}/api">Greeter</a></li><li><a href="${base}/convert?file=report.txt">Convert</a></li>
<li><a href="${base}/notify?email=user@example.com">Notify</a></li><li><a href="${base}/soap/docs">Size service</a></li></ul>`;
const sizeForm = (base: string): string => page('File size', `<form action="${base}/count" method="post"><input name="name" value="notes.txt"><input type="submit"></form>`);

function pair(path: string, make: (mode: Mode) => Route['handler'], parameter: string, method: string): Route[] {
  return [
    { method, path: `/cmdi${path}`, handler: make('shell'), vulnerable: [{ item: C, parameter }] },
    { method, path: `/cmdi-safe${path}`, handler: make('direct'), safeFor: [C] },
  ];
}

export const routes: Route[] = [
  { method: 'GET', path: '/cmdi/', index: true, title: 'Command injection', handler: (_q, r) => r.html(page('Tools', links('/cmdi'))) },
  { method: 'GET', path: '/cmdi-safe/', index: true, title: 'Command injection (safe)', handler: (_q, r) => r.html(page('Tools', links('/cmdi-safe'))) },
  { method: 'GET', path: '/cmdi/size', handler: (_q, r) => r.html(sizeForm('/cmdi')) },
  { method: 'GET', path: '/cmdi-safe/size', handler: (_q, r) => r.html(sizeForm('/cmdi-safe')) },
  { method: 'GET', path: '/cmdi/api', handler: (_q, r) => r.html(apiPage('/cmdi')) },
  { method: 'GET', path: '/cmdi-safe/api', handler: (_q, r) => r.html(apiPage('/cmdi-safe')) },
  { method: 'GET', path: '/cmdi/soap/docs', handler: (_q, r) => r.html(soapDocs('/cmdi')) },
  { method: 'GET', path: '/cmdi-safe/soap/docs', handler: (_q, r) => r.html(soapDocs('/cmdi-safe')) },
  ...pair('/soap/size', soap, 'file', 'POST'),
  ...pair('/lookup', lookup, 'host', 'GET'),
  ...pair('/count', count, 'name', 'POST'),
  ...pair('/api/greet', greet, 'name', 'POST'),
  ...pair('/convert', convert, 'file', 'GET'),
  ...pair('/notify', notify, 'email', 'GET'),
];
