// Values for an API description's parameters and bodies: the example or default the document gives,
// else a value valid for the schema's type and format, so the operation answers as it would for a
// real client and the attacks reach the code behind the validation.
export type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
export type Schema = Record<string, unknown>;

/** Follows local $refs ("#/components/schemas/X", "#/definitions/X") in `doc`; others stay as they are. */
export function deref(doc: unknown, node: unknown, depth = 0): unknown {
  if (depth > 20 || node === null || typeof node !== 'object') return node;
  const ref = (node as { $ref?: unknown }).$ref;
  if (typeof ref !== 'string' || !ref.startsWith('#/')) return node;
  let cur: unknown = doc;
  for (const raw of ref.slice(2).split('/')) {
    const key = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (cur === null || typeof cur !== 'object') return {};
    cur = (cur as Record<string, unknown>)[key];
  }
  return deref(doc, cur, depth + 1);
}

function exampleOf(s: Schema): Json | undefined {
  if (s.example !== undefined) return s.example as Json;
  if (Array.isArray(s.examples) && s.examples.length > 0) return s.examples[0] as Json;
  if (s.default !== undefined) return s.default as Json;
  if (Array.isArray(s.enum) && s.enum.length > 0) return s.enum[0] as Json;
  if (s.const !== undefined) return s.const as Json;
  return undefined;
}

const STRING_FORMATS: Record<string, string> = {
  date: '2024-01-01',
  'date-time': '2024-01-01T00:00:00Z',
  time: '12:00:00',
  email: 'wsc@example.com',
  uuid: '00000000-0000-4000-8000-000000000001',
  uri: 'https://example.com/',
  url: 'https://example.com/',
  hostname: 'example.com',
  ipv4: '192.0.2.1',
  ipv6: '2001:db8::1',
  password: 'Wsc-passw0rd',
  byte: 'd3Nj',
  binary: 'wsc',
};

/** A value for `schema` (after $refs), bounded in depth so recursive schemas end. */
export function sampleValue(doc: unknown, schema: unknown, depth = 0): Json {
  const s = (deref(doc, schema) ?? {}) as Schema;
  const ex = exampleOf(s);
  if (ex !== undefined) return ex;
  if (depth > 6) return null;
  if (Array.isArray(s.allOf)) {
    const merged: Record<string, Json> = {};
    for (const part of s.allOf) {
      const v = sampleValue(doc, part, depth + 1);
      if (v !== null && typeof v === 'object' && !Array.isArray(v)) Object.assign(merged, v);
    }
    return merged;
  }
  for (const key of ['oneOf', 'anyOf']) {
    const list = s[key];
    if (Array.isArray(list) && list.length > 0) return sampleValue(doc, list[0], depth + 1);
  }
  const type = Array.isArray(s.type) ? (s.type.find((t) => t !== 'null') as string | undefined) : (s.type as string | undefined);
  switch (type ?? (s.properties ? 'object' : s.items ? 'array' : 'string')) {
    case 'integer':
      return typeof s.minimum === 'number' ? Math.ceil(s.minimum) : 1;
    case 'number':
      return typeof s.minimum === 'number' ? s.minimum : 1;
    case 'boolean':
      return true;
    case 'array':
      return [sampleValue(doc, s.items ?? {}, depth + 1)];
    case 'object': {
      const out: Record<string, Json> = {};
      const props = (s.properties ?? {}) as Record<string, unknown>;
      for (const [k, v] of Object.entries(props).slice(0, 50)) out[k] = sampleValue(doc, v, depth + 1);
      return out;
    }
    default: {
      const fmt = typeof s.format === 'string' ? STRING_FORMATS[s.format] : undefined;
      let v = fmt ?? 'wsc';
      if (typeof s.minLength === 'number' && v.length < s.minLength) v = v.padEnd(Math.min(s.minLength, 256), 'x');
      if (typeof s.maxLength === 'number' && v.length > s.maxLength) v = v.slice(0, Math.max(1, s.maxLength));
      return v;
    }
  }
}

/** A parameter value as text in a URL, header or form. */
export function asText(v: Json): string {
  if (v === null) return '';
  if (Array.isArray(v)) return v.map(asText).join(',');
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v);
}
