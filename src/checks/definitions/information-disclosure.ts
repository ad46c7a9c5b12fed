// Signatures for the passive parts of Information Disclosure: framework debug pages and toolbars,
// private (RFC 1918) IPv4 addresses and server file-system paths in responses. Each signature is
// the framework's own markup or a shape that only a real address or path has, not a keyword.
// Also the array-shaped request variant the active part sends to provoke type errors.
import type { CrawledRequest, Severity } from '../../core/model.js';

export interface DebugSignature {
  framework: string;
  severity: Severity;
  pattern: RegExp;
}

export const DEBUG_PAGES: DebugSignature[] = [
  { framework: 'Werkzeug debugger', severity: 'high', pattern: /The debugger caught an exception in your WSGI application|<title>[^<]{0,300}\/\/ Werkzeug Debugger<\/title>|\?__debugger__=yes&(?:amp;)?cmd=resource&(?:amp;)?f=/ },
  { framework: 'Django DEBUG page', severity: 'medium', pattern: /You(?:'|&#39;|&#x27;)re seeing this error because you have <code>DEBUG = True<\/code> in\s+your Django settings file|Using the URLconf defined in <code>[\w.]+<\/code>,\s*Django tried these URL patterns/ },
  { framework: 'Laravel Ignition', severity: 'medium', pattern: /window\.ignite\s*=|\bignite\(\s*window\.data\s*\)|<div class="Whoops container">|<title>Whoops! There was an error\.<\/title>/ },
  { framework: 'Symfony profiler toolbar', severity: 'medium', pattern: /<div id="sfwdt[0-9a-f]{6}" class="sf-toolbar|Sfjs\.loadToolbar\(\s*['"][0-9a-f]{6}['"]/ },
  // phpinfo() output, wherever it is served (a leftover phpinfo.php is also a File Management finding)
  { framework: 'PHP configuration page (phpinfo)', severity: 'medium', pattern: /<h1 class="p">PHP Version [\d.]+<\/h1>[\s\S]{0,4000}?<td class="e">\s*(?:System|Server API|Build Date)\s*<\/td>/ },
  { framework: 'Rails routing error page', severity: 'medium', pattern: /<h1>Routing Error<\/h1>[\s\S]{0,2000}?No route matches \[(?:GET|POST|PUT|PATCH|DELETE|HEAD|OPTIONS)\] (?:&quot;|")[^<]{0,300}(?:&quot;|")[\s\S]{0,4000}?(?:Routes match in priority|Rails\.root:)/ },
];

export function findDebugPage(body: string, headers: Record<string, string>): { framework: string; severity: Severity; matched: string } | null {
  for (const sig of DEBUG_PAGES) {
    const m = sig.pattern.exec(body);
    if (m) return { framework: sig.framework, severity: sig.severity, matched: m[0].slice(0, 300) };
  }
  const link = headers['x-debug-token-link'];
  if (link !== undefined && /\/_profiler\/[0-9a-f]{6}/.test(link)) return { framework: 'Symfony profiler', severity: 'medium', matched: `X-Debug-Token-Link: ${link}` };
  return null;
}

const PRIVATE_IP = /(?<![\w.]|[A-Za-z]\/)(10(?:\.\d{1,3}){3}|172\.(?:1[6-9]|2\d|3[01])(?:\.\d{1,3}){2}|192\.168(?:\.\d{1,3}){2})(?![\w]|\.\d)/g;

/** Private IPv4 addresses in `text`, each octet in range, minus the hosts we addressed ourselves. */
export function findPrivateIps(text: string, ownHosts: ReadonlySet<string>): string[] {
  const out = new Set<string>();
  for (const m of text.matchAll(PRIVATE_IP)) {
    const ip = m[1] as string;
    if (ip.split('.').some((o) => Number(o) > 255 || (o.length > 1 && o.startsWith('0')))) continue;
    if (!ownHosts.has(ip)) out.add(ip);
  }
  return [...out];
}

// Tutorials and hint pages quote shell sessions: "root@host:~# ifconfig" and its output, "sudo cp
// /etc/apache2/...", "ping 192.168.56.102". An address or path there is an example, not a leak.
const PROMPT = /^(?:[\w.-]+@[\w.-]+:[^\s#$]*[#$]|[#$]|[A-Za-z]:\\[^>\s]*>)\s+\S/;
const COMMANDS = 'sudo|ping|sc|net|netsh|cmd|powershell|reg|python\\d?|perl|ruby|php|curl|wget|ssh|scp|ncat|nc|nmap|sqlmap|nikto|hydra|ifconfig|ipconfig|netstat|nano|vim?|cp|mv|cat|echo|export|mysql|psql|apt(?:-get)?|yum|service|systemctl|chmod|chown|ls|cd|git|docker|telnet|nslookup|dig|traceroute|tracert|openssl';
const COMMAND_LINE = new RegExp(`^(?:${COMMANDS})\\s|(?:&&|\\|\\||;|\\|)\\s*(?:${COMMANDS})\\s|(?:^|\\s)\\/(?:usr\\/)?s?bin\\/[\\w.-]+\\s`);
/** Lines of output a quoted prompt is taken to cover. */
const OUTPUT_LINES = 12;

/** A block-level tag: where rendered text breaks lines even when the markup has none. */
const BLOCK_TAG = /<(?:br|\/?(?:p|div|pre|li|tr|td|h[1-6]|table|ul|ol|section|article|header|footer|blockquote|dd|dt))\b[^<>]*>/gi;
// a configuration file quoted for the reader: Apache/nginx blocks, shown escaped
const CONFIG_SAMPLE = /(?:&lt;|&#x3c;|&#60;)(?:VirtualHost|Directory|Location)\b|\bserver\s*\{|\blocation\s+\/\S*\s*\{/i;
/** The end of a quoted session: a command's output does not run on past its block. */
const END_OF_CODE = /<\/(?:pre|code|samp)\s*>/gi;
const END_MARK = '\u0000';
/** Command lines past which a page counts as a how-to: one could be a stray "$ " in prose. */
const HOWTO_COMMANDS = 2;

function textLines(body: string): string[] {
  return body
    .replace(END_OF_CODE, `\n${END_MARK}\n`)
    .replace(BLOCK_TAG, '\n')
    .split('\n')
    .map((l) => l.replace(/<[^<>]*>/g, ' ').replace(/&nbsp;|&#160;/g, ' ').replace(/&gt;/g, '>').replace(/&lt;/g, '<').replace(/&amp;/g, '&').trim());
}

/**
 * What of a page is an example for the reader rather than this server speaking: what stands only
 * inside <code>, <kbd> or <samp> (code quoted in prose). A how-to page
 * (one that quotes shell commands or a configuration file) is all examples: tutorials mention
 * lab addresses and install paths in their prose too. Elsewhere an address or path is an example
 * only where every occurrence sits in a quoted shell session: on a command line (a prompt, a
 * command word at the start, after && or |, a /usr/bin/ program) or in the output right after a
 * prompt.
 */
export function examplesIn(page: string): (needle: string) => boolean {
  // Worked out on the first question, and on the first MAX_EXAMPLE_TEXT characters only: most
  // pages hold no address or path at all, and a 30 MB page must not be copied line by line.
  let judge: ((needle: string) => boolean) | null = null;
  return (needle) => (judge ??= examplesJudge(page.length > MAX_EXAMPLE_TEXT ? page.slice(0, MAX_EXAMPLE_TEXT) : page))(needle);
}

const MAX_EXAMPLE_TEXT = 1024 * 1024;

/** Spans of <code>, <kbd> and <samp> elements: markup for code quoted in prose, never the server's own output. */
function codeSpans(body: string): [number, number][] {
  const spans: [number, number][] = [];
  const lower = body.length > MAX_EXAMPLE_TEXT ? body.slice(0, MAX_EXAMPLE_TEXT).toLowerCase() : body.toLowerCase();
  for (const tag of ['code', 'kbd', 'samp']) {
    for (let at = lower.indexOf(`<${tag}`); at !== -1 && spans.length < 10_000; ) {
      const next = lower.charCodeAt(at + tag.length + 1);
      const end = lower.indexOf(`</${tag}`, at);
      if (end === -1) break;
      // "<code" must be the element, not "<codec" or the like
      if (next === 0x3e || next === 0x20 || next === 0x09 || next === 0x0a) spans.push([at, end]);
      at = lower.indexOf(`<${tag}`, end);
    }
  }
  return spans;
}

function onlyInCode(body: string, spans: [number, number][], needle: string): boolean {
  if (spans.length === 0) return false;
  let any = false;
  for (let at = body.indexOf(needle); at !== -1; at = body.indexOf(needle, at + needle.length)) {
    any = true;
    if (!spans.some(([a, b]) => at > a && at < b)) return false;
  }
  return any;
}

function examplesJudge(body: string): (needle: string) => boolean {
  const spans = codeSpans(body);
  const shell = shellJudge(body);
  return (needle) => onlyInCode(body, spans, needle) || shell(needle);
}

function shellJudge(body: string): (needle: string) => boolean {
  const lines = textLines(body);
  const prompts = lines.map((l) => PROMPT.test(l));
  const commands = lines.map((l, i) => prompts[i] === true || COMMAND_LINE.test(l));
  if (CONFIG_SAMPLE.test(body) || commands.filter(Boolean).length >= HOWTO_COMMANDS) return () => true;
  return (needle) => {
    let promptAt = -Infinity;
    let found = false;
    for (let i = 0; i < lines.length; i++) {
      if (prompts[i]) promptAt = i;
      else if (lines[i] === END_MARK) promptAt = -Infinity;
      if (!(lines[i] as string).includes(needle)) continue;
      found = true;
      if (commands[i] || i - promptAt <= OUTPUT_LINES) continue;
      return false;
    }
    return found;
  };
}

const FILE_EXT = 'php\\d?|phtml|inc|py|pyc|rb|erb|java|jsp|class|jar|war|js|mjs|cjs|ts|go|cs|aspx?|ascx|config|conf|ini|json|ya?ml|xml|log|sh|pl|pm|env|sql|db|sqlite|twig|blade\\.php|tpl|properties|so|dll|exe';
const UNIX_PATH = new RegExp(
  `(?<![\\w.:/~-])(?:\\/(?:var\\/www|home\\/[a-z_][\\w.-]{0,31}|Users\\/[\\w.-]+|srv\\/www|usr\\/share\\/nginx|opt\\/lampp)\\/[\\w.@+-]+(?:\\/[\\w.@+-]+)*\\/?|\\/(?:var|usr|opt|srv|app|etc|root|tmp|data)(?:\\/[\\w.@+-]+)+\\.(?:${FILE_EXT}))(?![\\w/])`,
  'g',
);
const WINDOWS_PATH = /(?<![\w\\])[A-Za-z]:\\(?:inetpub|Users|Windows|Program Files(?: \(x86\))?|xampp|wamp\d*|www|Sites|projects?|src|web|apps?|webapps)(?:\\[\w.@+()-]*[\w@+)-])+\\?/g;

// Attribute values are URLs the page links to; a URL path that looks like /var/www/... is not a leak.
const URL_ATTR = /\b(?:href|src|action|srcset|poster|data|formaction|content)\s*=\s*(?:"[^"]*"|'[^']*')/gi;

/** Server file-system paths in response text (outside URL attributes). */
export function findFsPaths(body: string): string[] {
  const text = body.replace(URL_ATTR, ' ');
  const out = new Set<string>();
  for (const m of text.matchAll(UNIX_PATH)) out.add(m[0]);
  for (const m of text.matchAll(WINDOWS_PATH)) out.add(m[0]);
  return [...out].slice(0, 20);
}

/** The same request with every query and urlencoded body parameter turned into an array (`a[]=`). */
export function arrayShaped(req: CrawledRequest): { req: CrawledRequest; names: string[] } | null {
  const names: string[] = [];
  let url = req.url;
  const q = url.indexOf('?');
  if (q !== -1) {
    const rename = (pair: string): string => {
      if (pair === '') return pair;
      const eq = pair.indexOf('=');
      const name = eq === -1 ? pair : pair.slice(0, eq);
      if (/(?:\[\]|%5B%5D)$/i.test(name)) return pair;
      names.push(`${decodeName(name)}[]`);
      return `${name}[]${eq === -1 ? '=' : pair.slice(eq)}`;
    };
    url = url.slice(0, q + 1) + url.slice(q + 1).split('#')[0]!.split('&').map(rename).join('&');
  }
  let fields = req.fields;
  if (req.bodyKind === 'urlencoded' && fields && fields.length > 0) {
    fields = fields.map((f) => {
      if (f.name.endsWith('[]')) return f;
      names.push(`${f.name}[]`);
      return { ...f, name: `${f.name}[]` };
    });
  }
  return names.length > 0 ? { req: { ...req, url, ...(fields ? { fields } : {}) }, names } : null;
}

function decodeName(raw: string): string {
  try {
    return decodeURIComponent(raw.replace(/\+/g, ' '));
  } catch {
    // shown as sent when it is not valid percent-encoding
    return raw;
  }
}

const SECRET_WORD = /\b(?:passw(?:or)?ds?|passwd|pwd|secret(?:s|[_ -]?key)?|api[_ -]?keys?|access[_ -]?keys?|private[_ -]?key|credentials?|connection[_ -]?string|db[_ -]?pass(?:word)?)\b/i;
const SECRET_ASSIGNED = new RegExp(`${SECRET_WORD.source}\\s*[:=]\\s*['"]?[^\\s'"<>]{2,}`, 'i');
// a sentence about a secret's value: "the database password is set to blank", "the API key is abc123"
const SECRET_TOLD = new RegExp(`${SECRET_WORD.source}(?:\\s+(?:still|now|currently|just|for\\s+\\w+))?\\s+(?:is|are|was|were)\\s+(?:set\\s+to\\s+|still\\s+|just\\s+|now\\s+)?['"]?\\w`, 'i');
const MAX_COMMENTS = 200;

/**
 * HTML comments that tell a secret: a credential word with a value assigned to it, or in a sentence
 * about its value, in a comment of at least six words or with an assignment. Commented-out markup
 * and conditional comments are left alone (a password input in them is no secret).
 */
export function findSecretComments(body: string): string[] {
  const out: string[] = [];
  let at = body.indexOf('<!--');
  for (let n = 0; at !== -1 && n < MAX_COMMENTS; n++) {
    const end = body.indexOf('-->', at + 4);
    if (end === -1) break;
    const text = body.slice(at + 4, Math.min(end, at + 4 + 4000)).replace(/\s+/g, ' ').trim();
    at = body.indexOf('<!--', end + 3);
    if (text.startsWith('[if') || /<[a-z!/]/i.test(text) || !SECRET_WORD.test(text)) continue;
    if (SECRET_ASSIGNED.test(text) || (text.split(' ').length >= 6 && SECRET_TOLD.test(text))) out.push(text.slice(0, 300));
  }
  return out;
}
