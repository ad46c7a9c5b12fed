// Shared by the injection checks (SQL, XSS, command): which insertion points of the crawl to attack,
// random markers, and latency statistics for time-based proofs.
import { randomBytes, randomInt } from 'node:crypto';
import type { CrawledRequest, InsertionLocation } from '../../core/model.js';
import type { CheckContext, InsertionPoint } from '../types.js';

export interface AttackPoint {
  request: CrawledRequest;
  point: InsertionPoint;
}

export interface AttackPointOptions {
  locations: readonly InsertionLocation[];
  /**
   * Header points are the same on every request of a path: attack them once per method and path
   * so a site with many query variants does not multiply them.
   */
  headersOncePerPath?: boolean;
  /** Offer the cookies the site set during the crawl as points of the page that set them. */
  cookiesFromCrawl?: boolean;
}

function pathKey(req: CrawledRequest): string {
  try {
    const u = new URL(req.url);
    return `${req.method.toUpperCase()} ${u.origin}${u.pathname}`;
  } catch {
    // the crawler emits absolute URLs; an odd one still gets a key of its own
    return `${req.method.toUpperCase()} ${req.url}`;
  }
}

/** Cookie names from Set-Cookie values (the session joins several with "\n"). */
export function setCookieNames(setCookie: string | undefined): { name: string; value: string }[] {
  if (!setCookie) return [];
  const out: { name: string; value: string }[] = [];
  for (const line of setCookie.split('\n')) {
    const first = line.split(';')[0] ?? '';
    const eq = first.indexOf('=');
    if (eq <= 0) continue;
    out.push({ name: first.slice(0, eq).trim(), value: first.slice(eq + 1).trim() });
  }
  return out;
}

function withCookie(req: CrawledRequest, name: string, value: string): CrawledRequest {
  const headers = { ...(req.headers ?? {}) };
  const key = Object.keys(headers).find((k) => k.toLowerCase() === 'cookie');
  const current = key ? headers[key] : undefined;
  headers[key ?? 'Cookie'] = current ? `${current}; ${name}=${value}` : `${name}=${value}`;
  return { ...req, headers };
}

/** Every (crawled request, insertion point) pair worth attacking, in crawl order. */
export function attackPoints(ctx: Pick<CheckContext, 'requests' | 'pages' | 'insertionPoints' | 'codePath'>, opts: AttackPointOptions): AttackPoint[] {
  const wanted = new Set(opts.locations);
  const headerPaths = new Set<string>();
  // Cookies the site handed out, by the URL of the page that set them: the crawl's requests carry
  // no Cookie header of their own (the session's jar adds it), so these points exist only here.
  const setBy = new Map<string, { name: string; value: string }[]>();
  if (opts.cookiesFromCrawl && wanted.has('cookie')) {
    for (const p of ctx.pages) {
      const cookies = setCookieNames(p.response.headers['set-cookie']);
      if (cookies.length > 0) setBy.set(p.request.url, cookies);
    }
  }
  const out: AttackPoint[] = [];
  for (const req of ctx.requests) {
    // one path, but each code path of it (index.php?page=a, ?page=b) is a page with headers of its own
    const key = `${pathKey(req)} ${ctx.codePath?.(req.url, null) ?? ''}`;
    const headersHere = !opts.headersOncePerPath || !headerPaths.has(key);
    headerPaths.add(key);
    const seen = new Set<string>();
    for (const point of ctx.insertionPoints(req)) {
      if (!wanted.has(point.location)) continue;
      if (point.location === 'header' && !headersHere) continue;
      seen.add(`${point.location}:${point.name}`);
      out.push({ request: req, point });
    }
    for (const c of setBy.get(req.url) ?? []) {
      if (seen.has(`cookie:${c.name}`)) continue;
      const withIt = withCookie(req, c.name, c.value);
      const point = ctx.insertionPoints(withIt).find((p) => p.location === 'cookie' && p.name === c.name);
      if (point) out.push({ request: withIt, point });
    }
  }
  return out;
}

/** Lower-case letters and digits, starting with a letter, for markers the page cannot already hold. */
export function randomToken(length = 8): string {
  const alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789';
  const bytes = randomBytes(length);
  let out = String.fromCharCode(97 + ((bytes[0] ?? 0) % 26));
  for (let i = 1; i < length; i++) out += alphabet[(bytes[i] ?? 0) % alphabet.length];
  return out;
}

/** A random integer in [min, max). */
export function randomNumber(min: number, max: number): number {
  return randomInt(min, max);
}

/** Latency of normal requests to one target, for telling a server-side sleep from noise. */
export class Latency {
  private readonly samples: number[] = [];

  add(ms: number): void {
    this.samples.push(ms);
  }

  get count(): number {
    return this.samples.length;
  }

  get max(): number {
    return this.samples.length === 0 ? 0 : Math.max(...this.samples);
  }

  get mean(): number {
    return this.samples.length === 0 ? 0 : this.samples.reduce((a, b) => a + b, 0) / this.samples.length;
  }

  get stdev(): number {
    if (this.samples.length < 2) return 0;
    const m = this.mean;
    return Math.sqrt(this.samples.reduce((a, b) => a + (b - m) ** 2, 0) / (this.samples.length - 1));
  }

  /**
   * Whether `ms` shows a sleep of `delayS` seconds: at least the delay itself (a little slack for
   * timer granularity) and beyond what normal requests take, by the baseline's mean + 3 sigma.
   */
  slept(ms: number, delayS: number): boolean {
    const delay = delayS * 1000;
    return ms >= delay * 0.95 && ms >= this.mean + 3 * this.stdev + delay * 0.8;
  }

  /** A response slow enough that a sleep-based finding could not be told apart from it. */
  tooNoisyFor(delayS: number): boolean {
    return this.max >= delayS * 1000 * 0.5;
  }

  describe(): string {
    return `${this.count} normal requests: mean ${Math.round(this.mean)} ms, max ${Math.round(this.max)} ms, stdev ${Math.round(this.stdev)} ms`;
  }
}
