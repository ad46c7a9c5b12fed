// Helpers shared by checks: sending one probe where a single failure must not end the check, and
// raw-HTTP-looking text of requests and responses for evidence (the engine bounds and redacts it).
import type { HttpExchange, HttpRequestSpec, HttpResponseData } from '../core/model.js';
import type { CheckContext, FindingDraft, InsertionPoint, SendOptions } from './types.js';

// Errors about one request only (see src/engine/session.ts); matched by name because checks sit
// below the engine and do not import it. Abort and the job's request budget still end the check.
const PER_REQUEST_ERRORS = new Set(['OutOfScopeError', 'TimeoutError', 'TransportError']);

/** Sends a probe; null when that one request failed (timeout, connection, out of scope), logged. */
export async function trySend(ctx: Pick<CheckContext, 'send' | 'log'>, spec: HttpRequestSpec, opts?: SendOptions): Promise<HttpExchange | null> {
  try {
    return await ctx.send(spec, opts);
  } catch (err) {
    if (err instanceof Error && PER_REQUEST_ERRORS.has(err.name)) {
      ctx.log(`probe skipped: ${err.message}`, { url: spec.url, error: err.name });
      return null;
    }
    throw err;
  }
}

/**
 * "This parameter on this code path of this path": a check reports it once (the engine keys the
 * finding the same way, with the item; see findingKey).
 */
export function pointKey(ctx: Pick<CheckContext, 'codePath'>, url: string, parameter: string): string {
  const route = ctx.codePath?.(url, parameter) ?? '';
  return `${new URL(url).pathname}\u0000${parameter}${route === '' ? '' : '\u0000' + route}`;
}

const STATUS_TEXT: Record<number, string> = {
  200: 'OK',
  201: 'Created',
  204: 'No Content',
  301: 'Moved Permanently',
  302: 'Found',
  303: 'See Other',
  304: 'Not Modified',
  307: 'Temporary Redirect',
  308: 'Permanent Redirect',
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  500: 'Internal Server Error',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
};

export function renderRequest(spec: HttpRequestSpec): string {
  let target = spec.url;
  let host = '';
  try {
    const u = new URL(spec.url);
    target = u.pathname + u.search;
    host = u.host;
  } catch {
    // not absolute: show it as given
  }
  const lines = [`${spec.method.toUpperCase()} ${target} HTTP/1.1`];
  const headers = spec.headers ?? {};
  if (host && !Object.keys(headers).some((k) => k.toLowerCase() === 'host')) lines.push(`Host: ${host}`);
  for (const [k, v] of Object.entries(headers)) lines.push(`${k}: ${v}`);
  let body = '';
  if (typeof spec.body === 'string') body = spec.body;
  else if (spec.body) body = Buffer.from(spec.body).toString('latin1');
  return lines.join('\r\n') + '\r\n\r\n' + body;
}

export function renderResponseHead(res: HttpResponseData): string {
  const lines = [`HTTP/1.1 ${res.status} ${STATUS_TEXT[res.status] ?? ''}`.trimEnd()];
  const pairs = res.rawHeaders.length > 0 ? res.rawHeaders : Object.entries(res.headers);
  for (const [k, v] of pairs) lines.push(`${k}: ${v}`);
  return lines.join('\r\n') + '\r\n\r\n';
}

/** Status line, headers and the whole (already bounded) body; the engine cuts it around the proof. */
export function renderResponse(res: HttpResponseData): string {
  return renderResponseHead(res) + res.body;
}

export function headerValue(res: HttpResponseData, name: string): string | undefined {
  const lower = name.toLowerCase();
  for (const [k, v] of Object.entries(res.headers)) if (k.toLowerCase() === lower) return v;
  return undefined;
}

/** Cuts `text` to at most `max` characters centred on the first occurrence of `needle`. */
export function excerptAround(text: string, needle: string, max: number): string {
  if (text.length <= max) return text;
  const at = needle ? text.indexOf(needle) : -1;
  if (at === -1) return text.slice(0, max - 3) + '...';
  const room = Math.max(0, max - Math.min(needle.length, max) - 6);
  let start = Math.max(0, at - Math.floor(room / 2));
  const end = Math.min(text.length, start + max - 6);
  start = Math.max(0, Math.min(start, end - (max - 6)));
  return (start > 0 ? '...' : '') + text.slice(start, end) + (end < text.length ? '...' : '');
}

/** Every directory the crawl revealed: path prefixes of crawled URLs, and directory URLs themselves. */
export function discoveredDirectories(ctx: Pick<CheckContext, 'requests' | 'pages' | 'startUrl'>): string[] {
  const dirs = new Set<string>();
  const add = (raw: string): void => {
    let u: URL;
    try {
      u = new URL(raw);
    } catch {
      // only absolute http(s) URLs name a directory on the target
      return;
    }
    if (u.protocol !== 'http:' && u.protocol !== 'https:') return;
    const segments = u.pathname.split('/');
    // every prefix ending in "/" is a directory; the last segment is a file unless the path ends in "/"
    for (let i = 1; i < segments.length; i++) dirs.add(u.origin + segments.slice(0, i).join('/') + '/');
  };
  add(ctx.startUrl);
  for (const r of ctx.requests) add(r.url);
  for (const p of ctx.pages) add(p.request.url);
  return [...dirs].filter((d) => !d.includes('//', d.indexOf('://') + 3));
}

/**
 * Where an application may be mounted: the StartUrl's folder, the site root, then the folders one
 * level below either that the crawl revealed (an app under /jira/ or /shop/; the whole origin is in
 * scope), in crawl order, at most `max` in all. Product checks (templates, admin consoles) probe each.
 */
export function applicationRoots(ctx: Pick<CheckContext, 'requests' | 'pages' | 'startUrl'>, max = 60): string[] {
  const start = new URL(ctx.startUrl);
  const root = start.origin + '/';
  const base = start.origin + start.pathname.replace(/[^/]*$/, '');
  const roots = new Set([base, root]);
  const oneBelow = (parent: string, d: string): boolean => d.startsWith(parent) && d.slice(parent.length).split('/').length === 2;
  for (const d of discoveredDirectories(ctx)) {
    if (roots.size >= max) break;
    if (oneBelow(base, d) || oneBelow(root, d)) roots.add(d);
  }
  return [...roots];
}

/** A finding on one insertion point, with the exchange that proved it as evidence. */
export function pointFinding(
  point: Pick<InsertionPoint, 'name' | 'location'>,
  ex: HttpExchange,
  payload: string,
  proof: string,
  confidence: FindingDraft['confidence'],
  extra: Record<string, unknown>,
): FindingDraft {
  return {
    url: ex.request.url,
    method: ex.request.method,
    parameter: point.name,
    location: point.location,
    payload,
    confidence,
    evidence: { request: renderRequest(ex.request), response: renderResponse(ex.response), proof },
    extra,
  };
}

/**
 * Runs `work` over `items` with at most `n` at a time, yielding what each yields as it comes (order
 * across items is not kept). The first error ends it, after the workers running stop.
 */
export async function* inParallel<T, R>(items: readonly T[], n: number, work: (item: T) => AsyncIterable<R>, signal: AbortSignal): AsyncGenerator<R> {
  const ready: R[] = [];
  let wake: (() => void) | null = null;
  let next = 0;
  let failure: { err: unknown } | null = null;
  const poke = (): void => {
    const w = wake;
    wake = null;
    w?.();
  };
  const worker = async (): Promise<void> => {
    try {
      while (next < items.length && !signal.aborted && failure === null) {
        for await (const r of work(items[next++] as T)) {
          ready.push(r);
          poke();
        }
      }
    } catch (err) {
      failure ??= { err };
    } finally {
      active--;
      poke();
    }
  };
  let active = Math.max(0, Math.min(Math.floor(n) || 1, items.length));
  for (let i = 0; i < active; i++) void worker();
  for (;;) {
    if (ready.length > 0) {
      yield ready.shift() as R;
      continue;
    }
    if (active === 0) {
      if (failure !== null) throw (failure as { err: unknown }).err;
      return;
    }
    await new Promise<void>((resolve) => (wake = resolve));
  }
}
