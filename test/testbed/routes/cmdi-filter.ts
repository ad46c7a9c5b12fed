// Command injection behind input filters: a real /bin/sh, but the value is refused (400 "bad
// input") when it holds spaces, or spaces and the separators ; | & as well, so only ${IFS} and a
// newline (%0a) get a command through. The safe twins apply the same filter and pass the value as
// an argument (execFile, no shell). /cmdif/ links the vulnerable pages, /cmdif-safe/ the twins.
import { exec, execFile } from 'node:child_process';
import type { Route, TestbedRequest, TestbedResponse } from '../server.js';

const C = 'Command Injection' as const;
const esc = (s: string): string => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
const page = (title: string, body: string): string =>
  `<!doctype html><html><head><title>${esc(title)}</title></head><body><h1>${esc(title)}</h1>\n${body}\n</body></html>`;

type Mode = 'shell' | 'direct';
// Only our benign payloads reach this shell, on a loopback-only testbed; bounded in time.
function run(mode: Mode, host: string): Promise<string> {
  return new Promise((resolve) => {
    if (host.includes('\u0000')) return resolve('invalid argument');
    const done = (_e: unknown, out: string, err: string): void => resolve(`${out}${err}`);
    if (mode === 'shell') exec(`cat /etc/hosts | grep -i ${host}`, { shell: '/bin/sh', timeout: 10_000 }, done);
    else execFile('grep', ['-i', '--', host, '/etc/hosts'], { timeout: 10_000 }, done);
  });
}

const filtered = (refuse: RegExp, why: string) => (mode: Mode) => async (req: TestbedRequest, res: TestbedResponse): Promise<void> => {
  const host = req.query.get('host') ?? 'localhost';
  if (refuse.test(host)) return res.html(page('Bad input', `<p>bad input: ${why}</p>`), 400);
  res.html(page('Host lookup', `<pre>${esc(await run(mode, host))}</pre>`));
};
const noSpace = filtered(/[ \t]/, 'no spaces allowed');
const noSeparator = filtered(/[ \t;|&]/, 'no spaces or separators allowed');

const links = (base: string): string => `<ul><li><a href="${base}/lookup?host=localhost">Lookup</a></li><li><a href="${base}/resolve?host=localhost">Resolve</a></li></ul>`;

export const routes: Route[] = [
  { method: 'GET', path: '/cmdif/', index: true, title: 'Command injection behind input filters', handler: (_q, r) => r.html(page('Filtered tools', links('/cmdif'))) },
  { method: 'GET', path: '/cmdif-safe/', index: true, title: 'Command injection behind input filters (safe)', handler: (_q, r) => r.html(page('Filtered tools', links('/cmdif-safe'))) },
  { method: 'GET', path: '/cmdif/lookup', handler: noSpace('shell'), vulnerable: [{ item: C, parameter: 'host' }] },
  { method: 'GET', path: '/cmdif-safe/lookup', handler: noSpace('direct'), safeFor: [C] },
  { method: 'GET', path: '/cmdif/resolve', handler: noSeparator('shell'), vulnerable: [{ item: C, parameter: 'host' }] },
  { method: 'GET', path: '/cmdif-safe/resolve', handler: noSeparator('direct'), safeFor: [C] },
];
