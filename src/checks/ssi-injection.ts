// SSI Injection: sends server-side include directives between two random markers and raises a
// finding only when the directive is gone and its evaluated output sits exactly between the markers
// (a date for DATE_LOCAL, the echoed random value, the sum of two random numbers). A page that merely
// reflects the directive shows it verbatim between the markers and does not match.
import type { Check, CheckContext, CheckMeta, FindingDraft } from './types.js';
import { renderRequest, renderResponse, trySend } from './support.js';
import { probeBudget, randomTag, valuePoints } from './definitions/probe-budget.js';

export const meta: CheckMeta = {
  id: 'ssi-injection',
  item: 'SSI Injection',
  title: 'Server-side include injection',
  severity: 'high',
  confidence: 'certain',
  cwe: 97,
  references: [
    'https://cwe.mitre.org/data/definitions/97.html',
    'https://owasp.org/www-project-web-security-testing-guide/latest/4-Web_Application_Security_Testing/07-Input_Validation_Testing/08-Testing_for_SSI_Injection',
  ],
  remediation:
    'Do not write request input into files or templates that the server parses for SSI; HTML-encode it (< and > at least) before output, and turn SSI off (Apache "Options -Includes", nginx "ssi off") or at least disable exec (IncludesNOEXEC) where it is not needed.',
  requestBudget: 12,
  perTarget: true,
};

interface Probe {
  payload: string;
  technique: string;
  /** Whether the text between the markers is the evaluated output. */
  evaluated(between: string): boolean;
  expected: string;
}

// Apache's default timefmt ("Tuesday, 12-Mar-2024 10:00:00 UTC") and the C/ISO forms other servers use
const DATE_LIKE = /^(?=[^<>]{8,60}$)(?=.*\b(?:19|20)\d\d\b)(?=.*\d{1,2}:\d\d(?::\d\d)?).*$/;

function probes(): Probe[] {
  const a = 1000 + Math.floor(Math.random() * 90000);
  const b = 1000 + Math.floor(Math.random() * 90000);
  const echo = `wsc${randomTag(10)}`;
  return [
    {
      payload: '<!--#echo var="DATE_LOCAL" -->',
      technique: 'echo var="DATE_LOCAL"',
      evaluated: (t) => !t.includes('#echo') && DATE_LIKE.test(t.trim()),
      expected: 'a date',
    },
    {
      payload: `<!--#exec cmd="expr ${a} + ${b}" -->`,
      technique: `exec cmd="expr ${a} + ${b}"`,
      evaluated: (t) => t.trim() === String(a + b),
      expected: String(a + b),
    },
    {
      payload: `<!--#exec cmd="echo ${echo}" -->`,
      technique: `exec cmd="echo ${echo}"`,
      evaluated: (t) => t.trim() === echo,
      expected: echo,
    },
  ];
}

async function* run(ctx: CheckContext): AsyncGenerator<FindingDraft> {
  const budget = probeBudget(ctx, meta.requestBudget);
  let done = 0;
  for (const request of ctx.requests) {
    ctx.progress?.(done++, ctx.requests.length);
    for (const point of valuePoints(ctx.insertionPoints(request))) {
      for (const probe of probes()) {
        if (ctx.signal.aborted || !budget.left()) return;
        const tag = randomTag(8);
        const open = `wsc${tag}a`;
        const close = `wsc${tag}z`;
        const spec = point.build(`${open}${probe.payload}${close}`);
        budget.spend();
        const ex = await trySend(ctx, spec);
        if (!ex) continue;
        const m = new RegExp(`${open}([\\s\\S]{0,200}?)${close}`).exec(ex.response.body);
        if (!m || !probe.evaluated(m[1] as string)) continue;
        yield {
          url: request.url,
          method: request.method,
          parameter: point.name,
          location: point.location,
          payload: probe.payload,
          evidence: {
            request: renderRequest(ex.request),
            response: renderResponse(ex.response),
            proof: `${m[0]}\nThe directive ${probe.technique} sent in ${point.location} parameter "${point.name}" was replaced by its output (${probe.expected}) between the markers ${open} and ${close}: the server evaluated it.`,
          },
          extra: { technique: probe.technique, output: (m[1] as string).trim() },
        };
        break;
      }
    }
  }
  ctx.progress?.(ctx.requests.length, ctx.requests.length);
}

export const ssiInjection: Check = { meta, run };
