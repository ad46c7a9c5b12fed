// The reserved words of NCP's createJob, kept verbatim: they are the API contract.

export const VULN_ITEMS = [
  'LFI',
  'SQL Injection',
  'XSS',
  'RFI',
  'SSRF',
  'File Upload',
  'File Download',
  'XXE',
  'Command Injection',
  'Insufficient Authorization',
  'Specific Vulnerability',
  'File Management',
  'Directory Listing',
  'Source Code Disclosure',
  'Information Disclosure',
  'URL Redirection',
  'Insecure SSL/TLS',
  'Mixed Content',
  'HTTP Request Smuggling',
  'Personal Information Exposure',
  'SSI Injection',
] as const;

export type VulnItem = (typeof VULN_ITEMS)[number];
export const ALL_ITEMS_WORD = 'ALL';

/**
 * wsc's items beyond NCP's 21 (checks ZAP and Wapiti have). Never part of ALL, so an NCP client
 * gets NCP's behaviour; a client asks for them by name or all at once with EXTENDED.
 */
export const EXTENSION_ITEMS = [
  'CRLF Injection',
  'CSRF',
  'Cookie Security',
  'Security Headers',
  'CORS',
  'SSTI',
  'LDAP Injection',
  'XPath Injection',
  'HTTP Methods',
] as const;

export type ExtensionItem = (typeof EXTENSION_ITEMS)[number];
/** Any item a check can belong to: NCP's 21, then the extension items. */
export type ScanItem = VulnItem | ExtensionItem;
export const SCAN_ITEMS: readonly ScanItem[] = Object.freeze([...VULN_ITEMS, ...EXTENSION_ITEMS]);
/** Adds every extension item; combines with ALL and with any other word. */
export const EXTENDED_WORD = 'EXTENDED';

export function isVulnItem(word: unknown): word is VulnItem {
  return typeof word === 'string' && (VULN_ITEMS as readonly string[]).includes(word);
}

export function isExtensionItem(word: unknown): word is ExtensionItem {
  return typeof word === 'string' && (EXTENSION_ITEMS as readonly string[]).includes(word);
}

export function isScanItem(word: unknown): word is ScanItem {
  return isVulnItem(word) || isExtensionItem(word);
}

/**
 * Validates a VulnItems list as NCP does: a non-empty list of known words, where ALL stands alone
 * among NCP's words. Extension words (EXTENDED, an extension item's name) are wsc's own and may
 * join any list, ALL included: no NCP client sends them, so NCP's lists mean exactly what they
 * mean on NCP. Returns the expanded list (NCP's items first, in NCP's order), or null when the
 * list is not acceptable.
 */
export function resolveVulnItems(words: unknown): ScanItem[] | null {
  if (!Array.isArray(words) || words.length === 0) return null;
  if (!words.every((w) => w === ALL_ITEMS_WORD || w === EXTENDED_WORD || isScanItem(w))) return null;
  const ncp = words.filter(isVulnItem);
  if (words.filter((w) => w === ALL_ITEMS_WORD).length > 1) return null;
  if (words.includes(ALL_ITEMS_WORD) && ncp.length > 0) return null;
  const wanted = new Set<ScanItem>(words.includes(ALL_ITEMS_WORD) ? VULN_ITEMS : ncp);
  for (const w of words) if (isExtensionItem(w)) wanted.add(w);
  if (words.includes(EXTENDED_WORD)) for (const e of EXTENSION_ITEMS) wanted.add(e);
  return SCAN_ITEMS.filter((i) => wanted.has(i));
}

// Real, current browser strings for each UserAgent reserved word (documented in README).
export const USER_AGENTS = {
  'PC Chrome':
    'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/142.0.0.0 Safari/537.36',
  'PC IE': 'Mozilla/5.0 (Windows NT 10.0; WOW64; Trident/7.0; rv:11.0) like Gecko',
  iPhone:
    'Mozilla/5.0 (iPhone; CPU iPhone OS 18_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.6 Mobile/15E148 Safari/604.1',
  Android:
    'Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/142.0.0.0 Mobile Safari/537.36',
} as const;

export type UserAgentWord = keyof typeof USER_AGENTS;

export function isUserAgentWord(word: unknown): word is UserAgentWord {
  return typeof word === 'string' && Object.hasOwn(USER_AGENTS, word);
}

export type SpeedWord = '1' | '2' | '3';

export interface SpeedProfile {
  /** Requests in flight at once. */
  concurrency: number;
  /** Upper bound on requests per second; 0 means no fixed cap (adaptive only). */
  maxRps: number;
  /**
   * Crawl fetches (GET pages) sent back to back on one connection, HTTP/1.1 pipelining; 1 or
   * absent means one request per connection at a time. Attacks are never pipelined.
   */
  pipelining?: number;
}

// "1" normal, "2" a bit faster, "3" fast. Documented in README; the scheduler adapts below these.
export const SPEEDS: Record<SpeedWord, SpeedProfile> = {
  '1': { concurrency: 4, maxRps: 25 },
  '2': { concurrency: 10, maxRps: 100 },
  '3': { concurrency: 32, maxRps: 0, pipelining: 8 },
};

export function isSpeedWord(word: unknown): word is SpeedWord {
  return word === '1' || word === '2' || word === '3';
}
