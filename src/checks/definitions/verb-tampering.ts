// Verb tampering for Insufficient Authorization: a resource the crawl was refused (401/403) asked
// again with other methods. Access rules bound to a method (Apache <Limit GET>, a filter on
// request.method === 'GET', a route guard on one verb) let the others through, and frameworks that
// honour X-HTTP-Method-Override dispatch a POST as the GET the rule refused.
import type { HttpRequestSpec } from '../../core/model.js';

export interface Tamper {
  /** What the finding calls it. */
  name: string;
  spec(url: string): HttpRequestSpec;
  /** HEAD has no body to show: it proves less and is reported tentatively. */
  bodiless?: boolean;
}

export const TAMPERS: readonly Tamper[] = [
  { name: 'POST', spec: (url) => ({ method: 'POST', url, headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body: '' }) },
  { name: 'an unknown verb (WSCX)', spec: (url) => ({ method: 'WSCX', url }) },
  { name: 'POST with X-HTTP-Method-Override: GET', spec: (url) => ({ method: 'POST', url, headers: { 'Content-Type': 'application/x-www-form-urlencoded', 'X-HTTP-Method-Override': 'GET', 'X-HTTP-Method': 'GET', 'X-Method-Override': 'GET' }, body: '' }) },
  { name: 'HEAD', spec: (url) => ({ method: 'HEAD', url }), bodiless: true },
];

/** At most this many refused resources are tampered with per job. */
export const MAX_TAMPERED = 10;
