// OpenAPI 3.x and Swagger 2.0 documents (JSON or YAML) as attack targets: one request per operation,
// at the server that matches the scan's origin (else the first one, which scope then judges), with
// path, query, header and cookie parameters and a body built from the schema's examples or from
// values valid for its types.
import { parse as parseYaml } from 'yaml';
import type { CrawledRequest, FormField } from '../../core/model.js';
import { asText, deref, sampleValue, type Json } from './values.js';

const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];
/** Operations read from one document at most. */
export const MAX_OPERATIONS = 5000;

export class SeedError extends Error {
  override name = 'SeedError';
}

export function parseDocument(text: string, what: string): unknown {
  try {
    return /^\s*[{[]/.test(text) ? JSON.parse(text) : parseYaml(text, { maxAliasCount: 1000 });
  } catch (err) {
    throw new SeedError(`${what} is neither JSON nor YAML: ${err instanceof Error ? err.message : String(err)}`);
  }
}

interface Param {
  name: string;
  in: string;
  schema?: unknown;
  example?: unknown;
  examples?: Record<string, { value?: unknown }>;
  type?: string;
  items?: unknown;
  default?: unknown;
  enum?: unknown[];
  format?: string;
}

function paramValue(doc: unknown, p: Param): string {
  if (p.example !== undefined) return asText(p.example as Json);
  const first = p.examples ? Object.values(p.examples)[0] : undefined;
  if (first && first.value !== undefined) return asText(first.value as Json);
  // Swagger 2 puts the type on the parameter itself
  const schema = p.schema ?? { type: p.type, items: p.items, default: p.default, enum: p.enum, format: p.format };
  return asText(sampleValue(doc, schema));
}

/** Where the operations go: the server on the scan's origin, else the first server's path there. */
function serverBase(doc: Record<string, unknown>, docUrl: string, startUrl: string): string {
  const out: string[] = [];
  if (typeof doc.swagger === 'string') {
    const start = new URL(startUrl);
    const schemes = Array.isArray(doc.schemes) && doc.schemes.length > 0 ? (doc.schemes as string[]) : [start.protocol.replace(':', '')];
    const host = typeof doc.host === 'string' ? doc.host : start.host;
    const basePath = typeof doc.basePath === 'string' ? doc.basePath : '';
    for (const s of schemes) out.push(`${s}://${host}${basePath}`);
  } else {
    const servers = Array.isArray(doc.servers) ? (doc.servers as { url?: unknown; variables?: Record<string, { default?: unknown }> }[]) : [];
    for (const s of servers) {
      if (typeof s.url !== 'string') continue;
      const url = s.url.replace(/\{([^}]+)\}/g, (_m, name: string) => String(s.variables?.[name]?.default ?? ''));
      try {
        out.push(new URL(url, docUrl).href);
      } catch {
        // a server URL that does not resolve names no place to send requests
      }
    }
    if (out.length === 0) out.push(new URL('/', docUrl).href);
  }
  const origin = new URL(startUrl).origin;
  const own = out.find((u) => new URL(u).origin === origin);
  if (own !== undefined) return own;
  // A document written for another deployment (production's host, a placeholder) describes the
  // API the user points the scan at: its paths go to the scan's origin, under the server's path.
  const first = new URL(out[0] ?? '/', startUrl);
  return origin + first.pathname;
}

function join(base: string, path: string): string {
  return base.replace(/\/+$/, '') + (path.startsWith('/') ? path : '/' + path);
}

/** Every operation of an OpenAPI 3.x or Swagger 2.0 document as a target. */
export function openApiRequests(raw: unknown, docUrl: string, startUrl: string): CrawledRequest[] {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) throw new SeedError('the API description is not an object');
  const doc = raw as Record<string, unknown>;
  const version = typeof doc.openapi === 'string' ? doc.openapi : typeof doc.swagger === 'string' ? doc.swagger : null;
  if (version === null || !/^(2\.0|3\.\d+)/.test(version)) throw new SeedError('not an OpenAPI 3.x or Swagger 2.0 document (no "openapi" or "swagger" version)');
  const paths = doc.paths;
  if (paths === null || typeof paths !== 'object') throw new SeedError('the API description has no paths');
  const base = serverBase(doc, docUrl, startUrl);
  const globalConsumes = Array.isArray(doc.consumes) ? (doc.consumes as string[]) : [];
  const out: CrawledRequest[] = [];
  for (const [path, rawItem] of Object.entries(paths as Record<string, unknown>)) {
    const item = deref(doc, rawItem) as Record<string, unknown> | null;
    if (item === null || typeof item !== 'object') continue;
    const shared = Array.isArray(item.parameters) ? item.parameters : [];
    for (const method of METHODS) {
      const op = item[method] as Record<string, unknown> | undefined;
      if (op === undefined || op === null || typeof op !== 'object') continue;
      if (out.length >= MAX_OPERATIONS) return out;
      const params = new Map<string, Param>();
      for (const p of [...shared, ...(Array.isArray(op.parameters) ? op.parameters : [])]) {
        const param = deref(doc, p) as Param;
        if (param && typeof param.name === 'string' && typeof param.in === 'string') params.set(`${param.in}:${param.name}`, param);
      }
      let urlPath = path;
      const query = new URLSearchParams();
      const headers: Record<string, string> = {};
      const headerParams: string[] = [];
      const cookies: string[] = [];
      const formFields: FormField[] = [];
      let bodyParam: Param | undefined;
      for (const p of params.values()) {
        if (p.in === 'body') {
          bodyParam = p;
          continue;
        }
        const value = paramValue(doc, p);
        if (p.in === 'path') urlPath = urlPath.split(`{${p.name}}`).join(encodeURIComponent(value));
        else if (p.in === 'query') query.append(p.name, value);
        else if (p.in === 'header') {
          if (/^(accept|content-type|authorization)$/i.test(p.name)) continue;
          headers[p.name] = value;
          headerParams.push(p.name);
        } else if (p.in === 'cookie') cookies.push(`${p.name}=${encodeURIComponent(value)}`);
        else if (p.in === 'formData') formFields.push(p.type === 'file' ? { name: p.name, value: 'wsc test file', filename: 'test.txt', contentType: 'text/plain', type: 'file' } : { name: p.name, value });
      }
      if (cookies.length > 0) headers['Cookie'] = cookies.join('; ');
      let url: URL;
      try {
        url = new URL(join(base, urlPath));
      } catch {
        continue;
      }
      url.search = query.toString();
      const req: CrawledRequest = { method: method.toUpperCase(), url: url.href, source: 'openapi', depth: 1 };
      const consumes = Array.isArray(op.consumes) ? (op.consumes as string[]) : globalConsumes;
      const body = requestBody(doc, op, bodyParam, formFields, consumes);
      if (body) Object.assign(req, body.req), Object.assign(headers, body.headers);
      if (Object.keys(headers).length > 0) req.headers = headers;
      if (headerParams.length > 0) req.headerParams = headerParams;
      out.push(req);
    }
  }
  return out;
}

function requestBody(
  doc: unknown,
  op: Record<string, unknown>,
  bodyParam: Param | undefined,
  formFields: FormField[],
  consumes: string[],
): { req: Partial<CrawledRequest>; headers: Record<string, string> } | null {
  let content: Record<string, { schema?: unknown; example?: unknown; examples?: Record<string, { value?: unknown }> }> = {};
  const rb = deref(doc, op.requestBody) as { content?: typeof content } | undefined;
  if (rb && rb.content && typeof rb.content === 'object') content = rb.content;
  else if (bodyParam) content = { [consumes.find((c) => c.includes('json')) ?? consumes[0] ?? 'application/json']: { schema: bodyParam.schema } };
  else if (formFields.length > 0) {
    const multipart = consumes.some((c) => c.includes('multipart')) || formFields.some((f) => f.filename !== undefined);
    return { req: { bodyKind: multipart ? 'multipart' : 'urlencoded', fields: formFields }, headers: {} };
  }
  const types = Object.keys(content);
  if (types.length === 0) return null;
  const type = types.find((t) => /json/i.test(t)) ?? types.find((t) => /x-www-form-urlencoded/i.test(t)) ?? types.find((t) => /multipart/i.test(t)) ?? (types[0] as string);
  const media = content[type] ?? {};
  const first = media.examples ? Object.values(media.examples)[0]?.value : undefined;
  const value = (media.example ?? first ?? sampleValue(doc, media.schema ?? {})) as Json;
  if (/json/i.test(type)) return { req: { bodyKind: 'json', rawBody: JSON.stringify(value) }, headers: { 'Content-Type': type } };
  if (/x-www-form-urlencoded|multipart/i.test(type)) {
    const fields: FormField[] = [];
    if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
      for (const [k, v] of Object.entries(value)) fields.push({ name: k, value: asText(v) });
    }
    return { req: { bodyKind: /multipart/i.test(type) ? 'multipart' : 'urlencoded', fields }, headers: {} };
  }
  if (/xml/i.test(type)) return { req: { bodyKind: 'xml', rawBody: typeof value === 'string' ? value : '<wsc>wsc</wsc>' }, headers: { 'Content-Type': type } };
  return { req: { bodyKind: 'text', rawBody: asText(value) }, headers: { 'Content-Type': type } };
}
