// SSI pages: /ssi/ links to pages that put input into a template and run it through a small SSI
// processor (echo var, and exec cmd through a real /bin/sh for echo/expr only), the way an
// Apache "Options +Includes" page would; /ssi-safe/ has twins that HTML-encode the input first.
import { execFile } from 'node:child_process';
import type { Route } from '../server.js';

const esc = (s: string): string => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
const DAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const p2 = (n: number): string => String(n).padStart(2, '0');

/** Apache's default timefmt. */
function apacheDate(d: Date): string {
  return `${DAYS[d.getUTCDay()]}, ${p2(d.getUTCDate())}-${MONTHS[d.getUTCMonth()]}-${d.getUTCFullYear()} ${p2(d.getUTCHours())}:${p2(d.getUTCMinutes())}:${p2(d.getUTCSeconds())} UTC`;
}

// Only these commands, with plain words and arithmetic, ever reach the shell.
const SAFE_CMD = /^(?:echo|expr)(?: [\w+*\-]+)*$/;

function sh(cmd: string): Promise<string> {
  if (!SAFE_CMD.test(cmd)) return Promise.resolve('[an error occurred while processing this directive]');
  return new Promise((resolve) => {
    execFile('/bin/sh', ['-c', cmd], { timeout: 2000 }, (err, stdout) => {
      resolve(err && !stdout ? '[an error occurred while processing this directive]' : stdout.replace(/\n$/, ''));
    });
  });
}

/** Evaluates <!--#echo var=".." --> and <!--#exec cmd=".." --> directives. */
export async function processSsi(doc: string, vars: Record<string, string>): Promise<string> {
  const re = /<!--#(echo|exec)\s+(var|cmd)="([^"]*)"\s*-->/g;
  let out = '';
  let last = 0;
  for (let m = re.exec(doc); m !== null; m = re.exec(doc)) {
    out += doc.slice(last, m.index);
    last = m.index + m[0].length;
    if (m[1] === 'echo' && m[2] === 'var') out += m[3] === 'DATE_LOCAL' ? apacheDate(new Date()) : (vars[m[3] as string] ?? '(none)');
    else if (m[1] === 'exec' && m[2] === 'cmd') out += await sh(m[3] as string);
    else out += '[an error occurred while processing this directive]';
  }
  return out + doc.slice(last);
}

const shell = (title: string, body: string): string =>
  `<!doctype html><html><head><title>${title}</title></head><body><h1>${title}</h1>\n${body}\n<p>Served <!--#echo var="DATE_LOCAL" --></p></body></html>`;

const form = (action: string): string =>
  `<form method="post" action="${action}"><input name="author" value="guest"><textarea name="comment">Nice site</textarea><input type="submit" value="Preview"></form>`;

export const routes: Route[] = [
  {
    method: 'GET',
    path: '/ssi/',
    index: true,
    title: 'Guestbook (shtml)',
    handler: (_req, res) =>
      res.html(shell('Guestbook', `<ul><li><a href="/ssi/greet.shtml?name=visitor">greeting</a></li></ul>${form('/ssi/preview.shtml')}`)),
  },
  {
    method: 'GET',
    path: '/ssi/greet.shtml',
    // unescaped output: cross-site scripting as well as SSI
    vulnerable: [{ item: 'SSI Injection', parameter: 'name' }, { item: 'XSS', parameter: 'name' }],
    handler: async (req, res) => {
      // the name is written into the page unescaped and the page is then parsed for SSI
      res.html(await processSsi(shell('Greeting', `<p>Hello ${req.query.get('name') ?? ''}!</p>`), { DOCUMENT_NAME: 'greet.shtml' }));
    },
  },
  {
    method: 'POST',
    path: '/ssi/preview.shtml',
    vulnerable: [{ item: 'SSI Injection', parameter: 'comment' }, { item: 'XSS', parameter: 'comment' }],
    handler: async (req, res) => {
      const f = req.form();
      const author = esc(f.get('author') ?? '');
      res.html(await processSsi(shell('Preview', `<p>${author} wrote:</p><blockquote>${f.get('comment') ?? ''}</blockquote>`), { DOCUMENT_NAME: 'preview.shtml' }));
    },
  },
  {
    method: 'GET',
    path: '/ssi-safe/',
    index: true,
    title: 'Guestbook (shtml, encoded)',
    handler: (_req, res) =>
      res.html(shell('Guestbook', `<ul><li><a href="/ssi-safe/greet.shtml?name=visitor">greeting</a></li></ul>${form('/ssi-safe/preview.shtml')}`)),
  },
  {
    method: 'GET',
    path: '/ssi-safe/greet.shtml',
    safeFor: ['SSI Injection'],
    handler: async (req, res) => {
      res.html(await processSsi(shell('Greeting', `<p>Hello ${esc(req.query.get('name') ?? '')}!</p>`), { DOCUMENT_NAME: 'greet.shtml' }));
    },
  },
  {
    method: 'POST',
    path: '/ssi-safe/preview.shtml',
    safeFor: ['SSI Injection'],
    handler: async (req, res) => {
      const f = req.form();
      res.html(await processSsi(shell('Preview', `<p>${esc(f.get('author') ?? '')} wrote:</p><blockquote>${esc(f.get('comment') ?? '')}</blockquote>`), { DOCUMENT_NAME: 'preview.shtml' }));
    },
  },
];
