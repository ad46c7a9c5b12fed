// What a job may touch: the StartUrl's origin, minus ExcludeUrl prefixes, minus links that would
// end or damage the authenticated session the user handed us.

export class OutOfScopeError extends Error {
  override name = 'OutOfScopeError';
  constructor(
    readonly url: string,
    readonly why: string,
  ) {
    super(`${url} is out of scope: ${why}`);
  }
}

export interface ScopeOptions {
  /** True when the job carries Cookie/Authorization headers: destructive links are then not followed. */
  sessionHeaders: boolean;
  /** URLs (prefixes, `*` wildcards) the user listed explicitly: followed even if they look destructive. */
  includeUrls?: string[];
  /** A scan plan's scope: URLs must match an include rule (when there is one) and no exclude rule. */
  rules?: ScopeRules;
}

/** A scope rule of a scan plan: a URL prefix (as ExcludeUrl entries are read) or a regex on the whole URL. */
export type ScopeRule = { prefix: string } | { regex: string };

export interface ScopeRules {
  include?: ScopeRule[];
  exclude?: ScopeRule[];
}

// Matched against the path, query and link text. A word must start at a boundary ("/blogout" is
// not a logout) but may run on, so camelCase "deleteUser" still counts: erring towards not clicking.
export const DANGEROUS = /(?:^|[^a-z])(log[-_ ]?out|sign[-_ ]?out|log[-_ ]?off|sign[-_ ]?off|delete|remove|destroy|unsubscribe|deactivate|purge|reset[-_ ]?password|close[-_ ]?account|terminate|revoke)/i;

function prefixMatcher(pattern: string): (candidate: string) => boolean {
  const parts = pattern.split('*').map((p) => p.replace(/[.+?^${}()|[\]\\]/g, '\\$&'));
  const re = new RegExp('^' + parts.join('.*'), 'i');
  return (c) => re.test(c);
}

/** Normalises an ExcludeUrl entry: absolute URLs keep origin+path, bare paths match on path. */
function compileRule(entry: string, base: URL): ((u: URL) => boolean) | null {
  const e = entry.trim();
  if (e === '') return null;
  if (e.startsWith('/') && !e.startsWith('//')) {
    const m = prefixMatcher(e);
    return (u) => m(u.pathname + u.search);
  }
  if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(e)) {
    // "www.example.com/path" style: treat as scheme-less and match against the URL without scheme
    const m = prefixMatcher(e);
    return (u) => m(u.host + u.pathname + u.search);
  }
  if (e.includes('*')) {
    const m = prefixMatcher(e);
    return (u) => m(u.href);
  }
  let parsed: URL;
  try {
    parsed = new URL(e, base);
  } catch {
    return null;
  }
  const m = prefixMatcher(parsed.origin + parsed.pathname + parsed.search);
  return (u) => m(u.origin + u.pathname + u.search);
}

function compileScopeRule(rule: ScopeRule, base: URL): ((u: URL) => boolean) | null {
  if ('regex' in rule) {
    const re = new RegExp(rule.regex);
    return (u) => re.test(u.href);
  }
  return compileRule(rule.prefix, base);
}

export class Scope {
  readonly origin: string;
  private readonly ruleIncludes: ((u: URL) => boolean)[];
  private readonly ruleExcludes: ((u: URL) => boolean)[];
  private readonly base: URL;
  private readonly excludes: ((u: URL) => boolean)[];
  private readonly includes: ((u: URL) => boolean)[];

  constructor(
    startUrl: string,
    excludeUrls: string[],
    private readonly opts: ScopeOptions,
  ) {
    this.base = new URL(startUrl);
    this.origin = this.base.origin;
    this.excludes = excludeUrls.map((e) => compileRule(e, this.base)).filter((f): f is (u: URL) => boolean => f !== null);
    this.includes = (opts.includeUrls ?? [])
      .map((e) => compileRule(e, this.base))
      .filter((f): f is (u: URL) => boolean => f !== null);
    const compile = (rules: ScopeRule[] | undefined): ((u: URL) => boolean)[] =>
      (rules ?? []).map((r) => compileScopeRule(r, this.base)).filter((f): f is (u: URL) => boolean => f !== null);
    this.ruleIncludes = compile(opts.rules?.include);
    this.ruleExcludes = compile(opts.rules?.exclude);
  }

  /** Why `url` is out of scope, or null when it is in. */
  reason(url: string | URL): string | null {
    let u: URL;
    try {
      u = typeof url === 'string' ? new URL(url) : url;
    } catch {
      return 'not a URL';
    }
    if (u.protocol !== 'http:' && u.protocol !== 'https:') return `scheme ${u.protocol}`;
    if (u.origin !== this.origin) return `other origin ${u.origin}`;
    if (this.excludes.some((m) => m(u))) return 'excluded by ExcludeUrl';
    if (this.ruleExcludes.some((m) => m(u))) return "excluded by the plan's scope";
    if (this.ruleIncludes.length > 0 && !this.ruleIncludes.some((m) => m(u))) return "outside the plan's scope include rules";
    return null;
  }

  inScope(url: string | URL): boolean {
    return this.reason(url) === null;
  }

  /** Whether the crawler should follow a link: in scope and not a session-ending action. */
  allowFollow(url: string | URL, linkText?: string): boolean {
    if (!this.inScope(url)) return false;
    if (!this.opts.sessionHeaders) return true;
    let u: URL;
    try {
      u = typeof url === 'string' ? new URL(url) : url;
    } catch {
      return false;
    }
    if (this.includes.some((m) => m(u))) return true;
    let target = u.pathname + ' ' + u.search;
    try {
      target = decodeURIComponent(target);
    } catch {
      // malformed escapes: match the raw text, which still contains the words
    }
    return !DANGEROUS.test(target) && !(linkText !== undefined && DANGEROUS.test(linkText));
  }
}
