// Set-Cookie headers as the cookie checks read them (Cookie Security, and CSRF for SameSite): the
// name, the value and the attributes, and whether the cookie carries a session or a secret.

export interface SetCookie {
  name: string;
  value: string;
  /** Attribute names lower-cased, with their values. */
  attributes: Map<string, string>;
}

export function parseSetCookie(header: string): SetCookie | null {
  const [pair, ...attrs] = header.split(';');
  const eq = pair?.indexOf('=') ?? -1;
  if (!pair || eq <= 0) return null;
  const attributes = new Map<string, string>();
  for (const a of attrs) {
    const i = a.indexOf('=');
    const name = (i === -1 ? a : a.slice(0, i)).trim().toLowerCase();
    if (name !== '') attributes.set(name, i === -1 ? '' : a.slice(i + 1).trim());
  }
  return { name: pair.slice(0, eq).trim(), value: pair.slice(eq + 1).trim(), attributes };
}

const SESSION_NAME = /sess|^sid$|sid$|auth|token|jwt|login|remember|^user|account|identity|^sso|^id$/i;

function decodeSafe(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    // a value with a stray % is judged as written
    return s;
  }
}

/** A name that says session or secret, or a value that looks like a random identifier. */
export function carriesSecret(c: SetCookie): boolean {
  if (SESSION_NAME.test(c.name)) return true;
  const v = decodeSafe(c.value.replace(/^"|"$/g, ''));
  return v.length >= 16 && /^[A-Za-z0-9+/=_.-]+$/.test(v) && /\d/.test(v) && /[A-Za-z]/.test(v);
}
