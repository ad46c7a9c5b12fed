// LDAP Injection (extension item): a value that closes the filter's parenthesis must not reach an
// LDAP search filter as syntax. Error proof: an unbalanced ")(" appended, answered with the
// directory library's filter error (Java JNDI, PHP ldap_search, python-ldap/ldap3, .NET, ldapjs)
// that the plain value does not get. Boolean proof: a clause that is always true (objectClass=*)
// against one that is never true (objectClass=<random>), added as a clause of the value's own
// AND group so the filter stays balanced (a strict parser refuses anything else; a value before
// another clause, such as the user name before the password, is then shown by the error proof only).
import type { Check, CheckContext, CheckMeta, FindingDraft } from './types.js';
import { pointKey, pointFinding } from './support.js';
import { probeBudget, randomTag, valuePoints } from './definitions/probe-budget.js';
import { booleanProof, errorProof, type BooleanShape } from './definitions/query-injection.js';

export const meta: CheckMeta = {
  id: 'ldap-injection',
  item: 'LDAP Injection',
  title: 'LDAP injection',
  severity: 'high',
  confidence: 'certain',
  cwe: 90,
  references: [
    'https://cwe.mitre.org/data/definitions/90.html',
    'https://cheatsheetseries.owasp.org/cheatsheets/LDAP_Injection_Prevention_Cheat_Sheet.html',
    'https://datatracker.ietf.org/doc/html/rfc4515#section-3',
  ],
  remediation:
    'Escape every value put into an LDAP filter as RFC 4515 says (* ( ) \\ and NUL as \\2a \\28 \\29 \\5c \\00), with the library\'s own escaping function, and escape DN parts per RFC 4514; validate values against the expected format first.',
  requestBudget: 12,
  perTarget: true,
};

const ERRORS =
  /Bad search filter|InvalidSearchFilterException|javax\.naming\.(?:directory\.|NamingException)|com\.sun\.jndi\.ldap|ldap_search(?:_ext)?\(\)|LDAPException|LDAP: error code \d+|ldap3\.core\.exceptions|LDAPInvalidFilterError|ldap\.FILTER_ERROR|System\.DirectoryServices\.(?:Protocols\.)?\w*Exception|The search filter is invalid|unbalanced parenthes[ie]s in (?:the )?filter|Invalid LDAP filter|Search: (?:Bad search filter|Protocol error)/i;

const SHAPES: BooleanShape[] = [
  // (&(b=...)(a=V)) becomes (&(b=...)(a=*)(objectClass=*))
  { label: 'a clause added after the value', mode: 'replace', truthy: () => '*)(objectClass=*', falsy: (r) => `*)(objectClass=${r}` },
];

async function* run(ctx: CheckContext): AsyncGenerator<FindingDraft> {
  const budget = probeBudget(ctx, meta.requestBudget);
  const reported = new Set<string>();
  const fresh = (): string => `wsc${randomTag(8)}`;
  let done = 0;
  for (const request of ctx.requests) {
    ctx.progress?.(done++, ctx.requests.length);
    for (const point of valuePoints(ctx.insertionPoints(request))) {
      const key = pointKey(ctx, request.url, point.name);
      if (reported.has(key) || ctx.signal.aborted || !budget.left()) continue;
      const err = await errorProof(ctx, point, [')(', '*)(|'], ERRORS, budget);
      if (err) {
        reported.add(key);
        yield {
          ...pointFinding(point, err.exchange, err.payload, `${err.message}\nAppending "${err.payload}" to ${point.location} parameter "${point.name}" made the server answer with an LDAP filter error the plain value does not get: the value is put into a search filter unescaped.`, 'certain', { technique: 'error' }),
          url: request.url,
          method: request.method,
        };
        continue;
      }
      for (const shape of SHAPES) {
        const b = await booleanProof(ctx, point, shape, budget, fresh);
        if (!b) continue;
        reported.add(key);
        yield {
          ...pointFinding(
            point,
            b.truthy,
            b.truthyPayload,
            `${point.location} parameter "${point.name}" set to ${b.truthyPayload} (always true in an LDAP filter: ${shape.label}) and to ${b.falsyPayload} (never true) gave two different answers, each repeated with fresh values: the value is LDAP filter syntax. The always-false answer was HTTP ${b.falsy.response.status}, ${b.falsy.response.body.length} characters; the always-true one ${b.truthy.response.status}, ${b.truthy.response.body.length}.`,
            'firm',
            { technique: 'boolean', falsePayload: b.falsyPayload },
          ),
          url: request.url,
          method: request.method,
        };
        break;
      }
    }
  }
  ctx.progress?.(ctx.requests.length, ctx.requests.length);
}

export const ldapInjection: Check = { meta, run };
