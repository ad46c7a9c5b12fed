// XPath Injection (extension item): a quote must not end an XPath string literal. Error proof: a
// single and a double quote appended, answered with the XPath engine's own error (Java
// javax.xml.xpath, .NET System.Xml.XPath, PHP DOMXPath/SimpleXML, libxml2, lxml, Saxon) that the
// plain value does not get. Boolean proof, for each quote: a condition true in any XML document
// (the root element's name is longer than 0) against one never true (longer than 999). Both use
// XPath functions on "/*", which SQL reads as the start of a comment and a shell as a glob, and
// differ only in digits, so another language's error that quotes the value reads the same.
import type { Check, CheckContext, CheckMeta, FindingDraft } from './types.js';
import { pointKey, pointFinding } from './support.js';
import { probeBudget, randomTag, valuePoints } from './definitions/probe-budget.js';
import { booleanProof, errorProof, type BooleanShape } from './definitions/query-injection.js';

export const meta: CheckMeta = {
  id: 'xpath-injection',
  item: 'XPath Injection',
  title: 'XPath injection',
  severity: 'high',
  confidence: 'certain',
  cwe: 643,
  references: [
    'https://cwe.mitre.org/data/definitions/643.html',
    'https://owasp.org/www-community/attacks/XPATH_Injection',
    'https://owasp.org/www-project-web-security-testing-guide/latest/4-Web_Application_Security_Testing/07-Input_Validation_Testing/09-Testing_for_XPath_Injection',
  ],
  remediation:
    'Bind values as XPath variables (XPathVariableResolver, XsltArgumentList, lxml\'s keyword arguments) instead of writing them into the expression; where that is impossible, refuse quotes or build the literal with concat() so it cannot end early.',
  requestBudget: 12,
  perTarget: true,
};

const ERRORS =
  /XPathException|javax\.xml\.xpath|System\.Xml\.XPath|XPathEvalError|lxml\.etree\.XPath|xmlXPathEval|xmlXPathCompOpEval|DOMXPath::(?:query|evaluate)\(\)|SimpleXMLElement::xpath\(\)|Invalid predicate|Expression must evaluate to a node-set|MS\.Internal\.Xml|XPST0003|org\.apache\.xpath|net\.sf\.saxon\.trans|XPath (?:syntax )?error|Invalid XPath expression|Unfinished literal/i;

function quoted(q: string): BooleanShape {
  return {
    label: `a ${q === "'" ? 'single' : 'double'}-quoted string`,
    mode: 'replace',
    truthy: (r) => `${r}${q} or string-length(name(/*))>0 or ${q}a${q}=${q}b`,
    falsy: (r) => `${r}${q} or string-length(name(/*))>999 or ${q}a${q}=${q}b`,
  };
}

const SHAPES = [quoted("'"), quoted('"')];

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
      const err = await errorProof(ctx, point, [`'"`], ERRORS, budget);
      if (err) {
        reported.add(key);
        yield {
          ...pointFinding(point, err.exchange, err.payload, `${err.message}\nAppending ${err.payload} to ${point.location} parameter "${point.name}" made the server answer with an XPath error the plain value does not get: the value is written into an XPath expression.`, 'certain', { technique: 'error' }),
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
            `${point.location} parameter "${point.name}" closing ${shape.label} with a condition true in any XML document (${b.truthyPayload}) and with one never true (${b.falsyPayload}) gave two different answers, each repeated with fresh values: the value is XPath syntax. The false answer was HTTP ${b.falsy.response.status}, ${b.falsy.response.body.length} characters; the true one ${b.truthy.response.status}, ${b.truthy.response.body.length}.`,
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

export const xpathInjection: Check = { meta, run };
