// Which parameters SSRF and RFI aim at: values that are URLs, and names that usually carry one
// (SSRF) or name a page or file to include (RFI).
import type { InsertionPoint } from '../types.js';

const URL_VALUE = /^(?:https?:)?\/\/[^\s/]+/i;
const SSRF_NAME = /(?:^|[_\-.[])(?:url|uri|href|link|src|source|dest|destination|redirect|redirect_uri|return|returnurl|next|callback|cb|feed|rss|image|img|avatar|icon|webhook|hook|endpoint|proxy|fetch|target|site|domain|host|server|remote|api|load)s?(?:$|[_\-.\]])/i;
const RFI_NAME = /(?:^|[_\-.[])(?:page|file|filename|include|inc|incl|template|tpl|view|layout|module|mod|content|doc|document|path|load|require|url|uri|src|source|lang|skin|theme|style)s?(?:$|[_\-.\]])/i;

export function isUrlValue(value: string): boolean {
  return URL_VALUE.test(value.trim());
}

export function ssrfCandidate(p: InsertionPoint): boolean {
  return isUrlValue(p.value) || SSRF_NAME.test(p.name);
}

export function rfiCandidate(p: InsertionPoint): boolean {
  return isUrlValue(p.value) || RFI_NAME.test(p.name);
}

/** Evidence of cloud metadata content: only a metadata service answers with these listings. */
export const METADATA_SIGNATURE = /\b(?:ami-id|instance-id|instance-type|local-ipv4|iam\/security-credentials|computeMetadata)\b/;
