// Recognisers for personal data in page text. Each one validates the value (date and checksum,
// Luhn and issuer range) so order numbers and ids that merely look alike are not reported, and
// each one knows how to mask what it found: reports carry masked samples only.
import type { Severity } from '../../core/model.js';

export interface PiiKind {
  id: string;
  label: string;
  severity: Severity;
  /** Distinct values on one page needed before it is a finding. */
  threshold: number;
  pattern: RegExp;
  /** The canonical value when the match is real, else null. */
  accept(match: string): string | null;
  mask(match: string): string;
}

function validDate(year: number, month: number, day: number): boolean {
  if (month < 1 || month > 12 || day < 1) return false;
  const days = new Date(Date.UTC(year, month, 0)).getUTCDate();
  return day <= days && Date.UTC(year, month - 1, day) <= Date.now();
}

const CENTURY: Record<string, number> = { '9': 1800, '0': 1800, '1': 1900, '2': 1900, '5': 1900, '6': 1900, '3': 2000, '4': 2000, '7': 2000, '8': 2000 };

/** Resident (gender 1-4, 9, 0) or foreigner (5-8) registration number: birth date and checksum. */
export function registrationNumber(value: string, foreigner: boolean): boolean {
  const d = value.replace('-', '');
  if (!/^\d{13}$/.test(d)) return false;
  const g = d[6] as string;
  if (foreigner !== '5678'.includes(g)) return false;
  const year = (CENTURY[g] as number) + Number(d.slice(0, 2));
  if (!validDate(year, Number(d.slice(2, 4)), Number(d.slice(4, 6)))) return false;
  const weights = [2, 3, 4, 5, 6, 7, 8, 9, 2, 3, 4, 5];
  let sum = 0;
  for (let i = 0; i < 12; i++) sum += Number(d[i]) * (weights[i] as number);
  const check = ((foreigner ? 13 : 11) - (sum % 11)) % 10;
  return check === Number(d[12]);
}

export function luhn(digits: string): boolean {
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let n = Number(digits[digits.length - 1 - i]);
    if (i % 2 === 1) {
      n *= 2;
      if (n > 9) n -= 9;
    }
    sum += n;
  }
  return sum % 10 === 0;
}

/** The card network whose number ranges and lengths fit, or null. */
export function cardIssuer(d: string): string | null {
  const n = (len: number): number => Number(d.slice(0, len));
  const len = d.length;
  if (/^3[47]/.test(d)) return len === 15 ? 'Amex' : null;
  if (/^4/.test(d)) return len === 13 || len === 16 || len === 19 ? 'Visa' : null;
  if ((n(2) >= 51 && n(2) <= 55) || (n(4) >= 2221 && n(4) <= 2720)) return len === 16 ? 'Mastercard' : null;
  if (n(4) >= 3528 && n(4) <= 3589) return len >= 16 && len <= 19 ? 'JCB' : null;
  if (/^6011/.test(d) || /^65/.test(d) || (n(3) >= 644 && n(3) <= 649) || (n(6) >= 622126 && n(6) <= 622925)) return len >= 16 && len <= 19 ? 'Discover' : null;
  if (/^62/.test(d)) return len >= 16 && len <= 19 ? 'UnionPay' : null;
  return null;
}

/**
 * The networks' published test numbers: on every payment integration guide and in every tutorial,
 * so a page that shows one discloses nobody's card.
 */
const TEST_CARDS = new Set([
  '4111111111111111', '4012888888881881', '4222222222222', '4242424242424242', '4000056655665556',
  '5555555555554444', '5105105105105100', '5200828282828210', '2223003122003222',
  '378282246310005', '371449635398431', '378734493671000',
  '6011111111111117', '6011000990139424', '6011000000000004',
  '3530111333300000', '3566002020360505', '30569309025904', '38520000023237', '36227206271667',
]);

/** A card number: one separator style throughout (or none), issuer range and length, Luhn; not a published test number. */
export function cardNumber(value: string): string | null {
  const seps = new Set(value.replace(/\d/g, ''));
  if (seps.size > 1) return null;
  const d = value.replace(/\D/g, '');
  if (seps.size === 1 && !/^\d{4}([ -])(?:\d{4}\1\d{4}\1\d{1,7}|\d{6}\1\d{5})$/.test(value)) return null;
  if (/^(\d)\1+$/.test(d)) return null;
  return cardIssuer(d) !== null && luhn(d) && !TEST_CARDS.has(d) ? d : null;
}

const RRN = /(?<![\d-])\d{6}-\d{7}(?![\d-])/g;

export const PII_KINDS: PiiKind[] = [
  {
    id: 'rrn',
    label: 'resident registration number',
    severity: 'high',
    threshold: 1,
    pattern: RRN,
    accept: (m) => (registrationNumber(m, false) ? m : null),
    mask: (m) => `${m.slice(0, 8)}******`,
  },
  {
    id: 'frn',
    label: 'foreigner registration number',
    severity: 'high',
    threshold: 1,
    pattern: RRN,
    accept: (m) => (registrationNumber(m, true) ? m : null),
    mask: (m) => `${m.slice(0, 8)}******`,
  },
  {
    id: 'card',
    label: 'credit card number',
    severity: 'high',
    threshold: 1,
    pattern: /(?<![\w-])\d{4}(?:[ -]?\d){9,15}(?![\w-])/g,
    accept: (m) => cardNumber(m),
    mask: (m) => m.replace(/\d(?=(?:\D*\d){4})/g, '*'),
  },
  {
    id: 'mobile',
    label: 'mobile phone number',
    severity: 'medium',
    threshold: 2,
    pattern: /(?<![\w-])01[016789](?:([-. ])\d{3,4}\1\d{4}|\d{7,8})(?![\w-])/g,
    accept: (m) => {
      const d = m.replace(/\D/g, '');
      // 010 numbers have eight digits after the prefix; the old 011/016-019 ones seven or eight
      if (d.startsWith('010') ? d.length !== 11 : d.length < 10 || d.length > 11) return null;
      return d;
    },
    mask: (m) => m.replace(/^(01\d)([-. ]?)(\d{3,4})/, (_a, p: string, s: string, mid: string) => `${p}${s}${'*'.repeat(mid.length)}`),
  },
  {
    id: 'email',
    label: 'e-mail address',
    severity: 'low',
    threshold: 5,
    pattern: /(?<![\w.%+-])[A-Za-z0-9][A-Za-z0-9._%+-]{0,63}@(?:[A-Za-z0-9-]{1,63}\.)+[A-Za-z]{2,24}(?![\w-])/g,
    accept: (m) => {
      const lower = m.toLowerCase();
      const domain = lower.slice(lower.indexOf('@') + 1);
      // documentation domains and image names like logo@2x.png are no one's address
      if (/(^|\.)example\.(com|org|net)$|(^|\.)(test|invalid|localhost)$/.test(domain)) return null;
      if (/\.(png|jpe?g|gif|svg|webp|css|js)$/.test(domain)) return null;
      return lower;
    },
    mask: (m) => `${m[0]}***${m.slice(m.indexOf('@'))}`,
  },
];

export interface PiiHit {
  kind: PiiKind;
  /** Distinct accepted values, masked, in order of appearance. */
  masked: string[];
  count: number;
}

/** Counts distinct valid values of every kind in `text`; only kinds at their threshold are returned. */
export function findPii(text: string): PiiHit[] {
  const out: PiiHit[] = [];
  for (const kind of PII_KINDS) {
    const values = new Map<string, string>();
    for (const m of text.matchAll(kind.pattern)) {
      const v = kind.accept(m[0]);
      if (v !== null && !values.has(v)) values.set(v, kind.mask(m[0]));
    }
    if (values.size >= kind.threshold) out.push({ kind, masked: [...values.values()], count: values.size });
  }
  return out;
}

/** `text` with every valid value of every kind masked, whatever the thresholds. */
export function maskPii(text: string): string {
  let out = text;
  for (const kind of PII_KINDS) out = out.replace(kind.pattern, (m) => (kind.accept(m) !== null ? kind.mask(m) : m));
  return out;
}
