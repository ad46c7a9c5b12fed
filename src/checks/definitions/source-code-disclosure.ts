// Validators for the files Source Code Disclosure fetches: each one accepts only the real format
// (a version-control metadata file, a source map, a dotenv file), never a page that merely names it.

/** `.git/HEAD`: a symbolic ref or a detached commit id, and nothing else. */
export function validGitHead(body: string): string | null {
  const m = /^(ref: refs\/heads\/[^\s<>]+|[0-9a-f]{40})\s*$/.exec(body);
  return m ? (m[1] as string) : null;
}

/** `.git/config`: an ini file with a [core] section carrying git's own keys. */
export function validGitConfig(body: string): string | null {
  if (!/^\s*\[core\]\s*$/m.test(body)) return null;
  const key = /^\s*(repositoryformatversion|filemode|bare|logallrefupdates)\s*=\s*\S+/m.exec(body);
  return key ? `[core] ${key[0].trim()}` : null;
}

/** `.svn/wc.db` (Subversion 1.7+): an SQLite database. */
export function validSvnDb(body: string): string | null {
  return body.startsWith('SQLite format 3\u0000') ? 'SQLite format 3' : null;
}

/** `.svn/entries` of Subversion 1.4-1.6: a format number, then the "dir" entry and a revision. */
export function validSvnEntries(body: string): string | null {
  const m = /^(?:8|9|10)\n\ndir\n\d+\n[^\n]*\n/.exec(body);
  return m ? m[0].replace(/\n/g, '\\n') : null;
}

const HG_REQUIREMENTS = new Set(['revlogv1', 'store', 'fncache', 'dotencode', 'generaldelta', 'sparserevlog', 'share-safe', 'persistent-nodemap', 'revlog-compression-zstd', 'treemanifest', 'largefiles', 'lfs', 'shared', 'relshared', 'exp-sparse', 'internal-phase', 'bookmarksinstore']);

/** `.hg/requires`: one known repository requirement per line. */
export function validHgRequires(body: string): string | null {
  const lines = body.split('\n').map((l) => l.trim()).filter((l) => l !== '');
  if (lines.length === 0 || lines.length > 30) return null;
  if (!lines.every((l) => /^[a-z0-9-]+$/.test(l))) return null;
  if (!lines.includes('revlogv1') && !lines.includes('store')) return null;
  return lines.filter((l) => HG_REQUIREMENTS.has(l)).length >= 2 ? lines.join(', ') : null;
}

export interface SourceMapFacts {
  sources: string[];
  /** How many sources carry their full text. */
  withContent: number;
  /** First line of the first embedded source, as a sample. */
  sample: string;
}

/** A version 3 source map whose `sourcesContent` embeds at least one original file. */
export function validSourceMap(body: string): SourceMapFacts | null {
  let json: unknown;
  try {
    json = JSON.parse(body.replace(/^\)\]\}'[^\n]*\n/, ''));
  } catch {
    // not JSON: not a source map, whatever its name says
    return null;
  }
  if (typeof json !== 'object' || json === null) return null;
  const o = json as Record<string, unknown>;
  if (o['version'] !== 3 || !Array.isArray(o['sources']) || !Array.isArray(o['sourcesContent'])) return null;
  const sources = o['sources'].filter((s): s is string => typeof s === 'string');
  const contents = o['sourcesContent'].filter((c): c is string => typeof c === 'string' && c.trim() !== '');
  if (contents.length === 0) return null;
  const sample = (contents[0] as string).split('\n').find((l) => l.trim() !== '')?.trim().slice(0, 160) ?? '';
  return { sources, withContent: contents.length, sample };
}

// Keys that only a real application configuration carries; one of them must be present.
const ENV_KEYS = /^(?:APP_KEY|APP_SECRET|SECRET_KEY|DJANGO_SECRET_KEY|DB_PASSWORD|DB_PASS|DB_USERNAME|DB_HOST|DB_DATABASE|DATABASE_URL|MYSQL_PASSWORD|POSTGRES_PASSWORD|REDIS_PASSWORD|MAIL_PASSWORD|SMTP_PASSWORD|AWS_ACCESS_KEY_ID|AWS_SECRET_ACCESS_KEY|JWT_SECRET|API_KEY|STRIPE_SECRET|STRIPE_SECRET_KEY|GITHUB_TOKEN|SESSION_SECRET|MONGO_URI|MONGODB_URI)$/;

export interface EnvFacts {
  keys: string[];
  sensitive: string[];
  /** The matched lines with their values masked. */
  masked: string[];
}

export function maskValue(v: string): string {
  const t = v.trim().replace(/^["']|["']$/g, '');
  if (t === '') return '(empty)';
  return t.length <= 4 ? '****' : `${t.slice(0, 2)}${'*'.repeat(Math.min(12, t.length - 2))}`;
}

/** A dotenv file: mostly KEY=VALUE lines (comments allowed), at least one typical secret key. */
export function validDotenv(body: string): EnvFacts | null {
  if (/<html|<body|<!doctype/i.test(body.slice(0, 2048))) return null;
  const lines = body.split(/\r?\n/).filter((l) => l.trim() !== '' && !l.trim().startsWith('#'));
  if (lines.length < 2) return null;
  const pairs = lines.map((l) => /^(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=(.*)$/.exec(l.trim()));
  const ok = pairs.filter((p): p is RegExpExecArray => p !== null);
  if (ok.length < 2 || ok.length < lines.length * 0.8) return null;
  const keys = ok.map((p) => p[1] as string);
  const sensitive = keys.filter((k) => ENV_KEYS.test(k.toUpperCase()));
  if (sensitive.length === 0) return null;
  const masked = ok.slice(0, 12).map((p) => `${p[1]}=${maskValue(p[2] as string)}`);
  return { keys, sensitive, masked };
}

/** Replaces every value of a dotenv body, so evidence shows the keys but no secret. */
export function maskDotenvBody(body: string): string {
  return body.replace(/^(\s*(?:export\s+)?[A-Za-z_][A-Za-z0-9_]*\s*=)(.*)$/gm, (_m, k: string, v: string) => k + maskValue(v));
}

// Extensions whose files a server executes; raw code in their response means it did not run.
export const EXECUTABLE_EXT = /\.(php\d?|phtml|inc|asp|aspx|ascx|jsp|jspx|jspf|cfm|cfml)$/i;

/** Server-side code in a response body; the match must look like a statement, not a mention. */
export const RAW_CODE: { lang: string; pattern: RegExp }[] = [
  { lang: 'PHP', pattern: /<\?php\b[\s\S]{0,200}?(?:\$[A-Za-z_]\w*\s*=|\b(?:echo|require(?:_once)?|include(?:_once)?|function|namespace|use|define|session_start|mysqli?_\w+)\b)[^\n]{0,120}/ },
  { lang: 'JSP', pattern: /<%@\s*(?:page|taglib|include)\s+[a-zA-Z]+\s*=\s*"[^"]*"[^%]{0,200}%>/ },
  { lang: 'JSP', pattern: /<jsp:(?:useBean|include|forward|setProperty|getProperty)\s[^>]{0,200}>/ },
  { lang: 'ASP', pattern: /<%(?!@)[^%]{0,300}?\b(?:Response\.Write|Request\.(?:Form|QueryString)|Server\.CreateObject|Dim\s+\w+|Set\s+\w+\s*=|out\.print(?:ln)?|request\.getParameter)\b[^%]{0,200}%>/ },
];

export function findRawCode(body: string): { lang: string; matched: string } | null {
  for (const r of RAW_CODE) {
    const m = r.pattern.exec(body);
    if (m) return { lang: r.lang, matched: m[0].slice(0, 400) };
  }
  return null;
}
