// SSTI (extension item): server-side template injection. Each parameter gets one expression per
// template syntax between two random markers: {{a*b}} (Jinja2, Twig, Nunjucks), ${a*b}
// (Freemarker, Velocity, JSP EL, Thymeleaf), <%= a*b %> (ERB, EJS), #{a*b} (Ruby interpolation,
// Pug, Slim) with a and b random 4-5 digit numbers, so their product is on no page by chance (not
// 49), and for logic-less Handlebars-style engines an {{#if}} block whose two branches are random
// words. The finding needs the evaluated value alone between the markers: a page that reflects the
// expression, escaped or not, shows the expression there instead.
import type { Check, CheckContext, CheckMeta, FindingDraft } from './types.js';
import { pointKey, pointFinding, trySend } from './support.js';
import { probeBudget, randomTag, valuePoints } from './definitions/probe-budget.js';

export const meta: CheckMeta = {
  id: 'ssti',
  item: 'SSTI',
  title: 'Server-side template injection',
  severity: 'high',
  confidence: 'certain',
  cwe: 1336,
  references: [
    'https://cwe.mitre.org/data/definitions/1336.html',
    'https://portswigger.net/research/server-side-template-injection',
    'https://owasp.org/www-project-web-security-testing-guide/latest/4-Web_Application_Security_Testing/07-Input_Validation_Testing/18-Testing_for_Server-side_Template_Injection',
  ],
  remediation:
    'Never build template source from request input: pass input to a fixed template as a context variable, which the engine escapes. If users must write templates, use a sandboxed, logic-less engine and keep secrets out of its context.',
  requestBudget: 12,
  perTarget: true,
};

interface Probe {
  engines: string;
  payload: string;
  /** The text the engine leaves between the markers when it evaluated the payload. */
  evaluated(between: string): boolean;
  expected: string;
}

const num = (): number => 1000 + Math.floor(Math.random() * 90000);

/** The product as digits, or grouped by thousands the way Freemarker and locales print it. */
function isProduct(text: string, product: number): boolean {
  return text.trim().replace(/(?<=\d)[,.' \u00a0\u202f](?=\d{3}\b)/g, '') === String(product);
}

function probes(): Probe[] {
  const out: Probe[] = [];
  const arithmetic = (engines: string, wrap: (expr: string) => string): void => {
    const a = num();
    const b = num();
    out.push({ engines, payload: wrap(`${a}*${b}`), evaluated: (t) => isProduct(t, a * b), expected: String(a * b) });
  };
  arithmetic('Jinja2, Twig or Nunjucks', (e) => `{{${e}}}`);
  arithmetic('Freemarker, Velocity, JSP EL or Thymeleaf', (e) => `\${${e}}`);
  arithmetic('ERB or EJS', (e) => `<%= ${e} %>`);
  arithmetic('Ruby interpolation, Pug or Slim', (e) => `#{${e}}`);
  const yes = `wsc${randomTag(8)}`;
  const no = `wsc${randomTag(8)}`;
  out.push({ engines: 'Handlebars or another Mustache-style engine with helpers', payload: `{{#if true}}${yes}{{else}}${no}{{/if}}`, evaluated: (t) => t.trim() === yes, expected: yes });
  return out;
}

async function* run(ctx: CheckContext): AsyncGenerator<FindingDraft> {
  const budget = probeBudget(ctx, meta.requestBudget);
  const reported = new Set<string>();
  let done = 0;
  for (const request of ctx.requests) {
    ctx.progress?.(done++, ctx.requests.length);
    for (const point of valuePoints(ctx.insertionPoints(request))) {
      const key = pointKey(ctx, request.url, point.name);
      if (reported.has(key)) continue;
      for (const probe of probes()) {
        if (ctx.signal.aborted || !budget.left()) return;
        const tag = randomTag(8);
        const open = `wsc${tag}a`;
        const close = `wsc${tag}z`;
        budget.spend();
        const ex = await trySend(ctx, point.build(`${open}${probe.payload}${close}`));
        if (!ex) continue;
        const m = new RegExp(`${open}([\\s\\S]{0,80}?)${close}`).exec(ex.response.body);
        if (!m || !probe.evaluated(m[1] as string)) continue;
        reported.add(key);
        yield {
          ...pointFinding(
            point,
            ex,
            probe.payload,
            `${m[0]}\nThe expression ${probe.payload} sent in ${point.location} parameter "${point.name}" came back as ${probe.expected} between the markers ${open} and ${close}: the server compiled the input as template source (${probe.engines} syntax).`,
            'certain',
            { engines: probe.engines, output: (m[1] as string).trim() },
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

export const ssti: Check = { meta, run };
