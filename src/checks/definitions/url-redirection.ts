// Parameter names and payload variants for the URL Redirection check. Each variant builds a value
// that a careless filter lets through but that a browser resolves to the marker host.

/** Names that usually carry a post-action destination. */
export const REDIRECT_PARAM =
  /^(?:next|url|uri|redirect|redir|redirect_?ur[il]|redirect_?to|return|return_?to|return_?ur[il]|returnto|continue|dest|destination|goto|go|target|to|out|forward|fwd|callback_?url|success_?url|cancel_?url|back|back_?url|ret|r|u|link|location|path|page|view|jump|checkout_?url|login_?url|logout_?url|origin|from)$/i;

/** A value that already looks like a URL or an absolute path is a destination whatever its name. */
export function looksLikeDestination(value: string): boolean {
  return /^(?:https?:)?\/\//i.test(value) || /^\/(?!\/)[\w\-./%~]*(?:\?.*)?$/.test(value);
}

export interface RedirectVariant {
  /** Short name shown in the proof. */
  name: string;
  build(markerHost: string, ctx: { scheme: string; expectedHost: string }): string;
}

// Ordered from the plain case to the filter bypasses, so an unfiltered sink costs one request.
export const VARIANTS: readonly RedirectVariant[] = [
  { name: 'absolute URL', build: (h) => `https://${h}/` },
  { name: 'scheme-relative //host', build: (h) => `//${h}/` },
  { name: 'escaped slashes \\/\\/host', build: (h) => `\\/\\/${h}/` },
  { name: 'slash-backslash /\\host', build: (h) => `/\\${h}/` },
  // The other scheme than the target's: a browser then reads "scheme:host" as an absolute URL.
  { name: 'scheme without slashes', build: (h, c) => `${c.scheme === 'https:' ? 'http' : 'https'}:${h}/` },
  { name: 'userinfo expected@host', build: (h, c) => `https://${c.expectedHost}@${h}/` },
  { name: 'mixed-case scheme, backslash', build: (h) => `HtTpS:/\\${h}/` },
  { name: 'expected host as subdomain', build: (h, c) => `https://${c.expectedHost.replace(/:\d+$/, '')}.${h}/` },
];
