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

export function isVulnItem(word: unknown): word is VulnItem {
  return typeof word === 'string' && (VULN_ITEMS as readonly string[]).includes(word);
}

/**
 * Validates a VulnItems list as NCP does: a non-empty list of known words, where ALL stands alone.
 * Returns the expanded list, or null when the list is not acceptable.
 */
export function resolveVulnItems(words: unknown): VulnItem[] | null {
  if (!Array.isArray(words) || words.length === 0) return null;
  if (words.includes(ALL_ITEMS_WORD)) return words.length === 1 ? [...VULN_ITEMS] : null;
  if (!words.every(isVulnItem)) return null;
  return [...new Set(words as VulnItem[])];
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
