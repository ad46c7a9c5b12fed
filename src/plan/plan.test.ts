import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { startTestbed, type Testbed } from '../../test/testbed/server.js';
import { startSite, type Site } from '../../test/helpers/site.js';
import { registerPlanCommand } from '../cli/commands/plan.js';
import { registerScanCommand } from '../cli/commands/scan.js';
import type { CliIo } from '../cli/context.js';
import { runWith } from '../cli/program.js';
import type { JsonReport } from '../report/json.js';
import type { SarifLog } from '../report/sarif.js';
import { MAX_PLAN_BYTES, parsePlan, PlanError, type PlanProblem } from './load.js';
import { planJsonSchema } from './schema.js';

const ROOT = join(import.meta.dirname, '../..');
let tb: Testbed;
let site: Site;
let dir: string;
before(async () => {
  tb = await startTestbed();
  site = await startSite({
    '/app/': '<a href="/app/x">x</a> <a href="/other/y">y</a> <a href="/app/skip.png">img</a> <a href="/app/logo.gif">gif</a>',
    '/app/x': '<p>x</p>',
    '/app/hidden': '<p>only a seed leads here</p>',
    '/other/y': '<p>out of scope</p>',
  });
  dir = mkdtempSync(join(tmpdir(), 'wsc-plan-'));
});
after(async () => {
  await tb.close();
  await site.close();
  rmSync(dir, { recursive: true, force: true });
});

async function wsc(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const io: CliIo = { stdout: { write: (c) => (out += String(c)) }, stderr: { write: (c) => (err += String(c)) }, env, signal: new AbortController().signal };
  const code = await runWith([registerScanCommand, registerPlanCommand], args, io);
  return { code, out, err };
}

function problems(text: string, env: NodeJS.ProcessEnv = {}): PlanProblem[] {
  try {
    parsePlan(text, 'p.yaml', env);
  } catch (err) {
    if (err instanceof PlanError) return err.problems;
    throw err;
  }
  return [];
}

test('the published JSON Schema is the one generated from the validating zod schema, and agrees with it', async () => {
  const published = JSON.parse(readFileSync(join(ROOT, 'schemas/plan.schema.json'), 'utf8')) as Record<string, unknown>;
  assert.deepEqual(published, planJsonSchema(), 'run npm run schemas');
  // ajv is a devDependency: the product validates with zod, the test checks the published file
  const require = createRequire(import.meta.url);
  const Ajv2020 = require('ajv/dist/2020') as { default: new (o: object) => { compile(s: object): ((d: unknown) => boolean) & { errors?: unknown } } };
  const validate = new Ajv2020.default({ strict: false }).compile(published);
  const example = parseYaml(readFileSync(join(ROOT, 'schemas/plan.example.yaml'), 'utf8')) as unknown;
  assert.ok(validate(example), JSON.stringify(validate.errors));
  assert.deepEqual(problems(readFileSync(join(ROOT, 'schemas/plan.example.yaml'), 'utf8'), { WSC_SESSION: 's' }), []);
  for (const bad of [{ version: 1 }, { version: 1, targets: ['http://x/'], nope: 1 }, { version: 1, targets: ['http://x/'], speed: 4 }, { version: 1, targets: ['http://x/'], outputs: [{ format: 'docx', file: 'a' }] }]) {
    assert.equal(validate(bad), false, JSON.stringify(bad));
    assert.notDeepEqual(problems(JSON.stringify(bad)), [], JSON.stringify(bad));
  }
});

test('invalid plans: each problem names file, line and column of its node', () => {
  const text = [
    'version: 1', // 1
    'targets:', // 2
    '  - ftp://example.com/', // 3
    'scope:', // 4
    '  include:', // 5
    '    - regex: "("', // 6
    '  exlude: []', // 7
    'speed: 4', // 8
    'auth:', // 9
    '  headers:', // 10
    '    Cookie: "sid=${NOT_SET_HERE}"', // 11
    'outputs:', // 12
    '  - format: docx', // 13
    '    file: r.docx', // 14
  ].join('\n');
  const p = problems(text);
  const at = (path: string) => p.find((x) => x.path === path);
  assert.deepEqual([at('targets[0]')?.line, at('targets[0]')?.col], [3, 5]);
  assert.deepEqual([at('scope.include[0].regex')?.line, at('scope.include[0].regex')?.col], [6, 14]);
  assert.match(at('scope.include[0].regex')!.message, /not a valid JavaScript regular expression/);
  assert.deepEqual([at('scope.exlude')?.line, at('scope.exlude')?.message], [7, 'unknown field']);
  assert.deepEqual([at('speed')?.line, at('speed')?.message], [8, 'must be 1, 2 or 3']);
  assert.deepEqual([at('auth.headers.Cookie')?.line, at('auth.headers.Cookie')?.message], [11, 'environment variable NOT_SET_HERE is not set']);
  assert.equal(at('outputs[0].format')?.line, 13);
  assert.ok(p.every((x) => x.file === 'p.yaml'));
  const yaml = problems('version: 1\ntargets: [\n');
  assert.equal(yaml.length, 1);
  assert.match(yaml[0]!.message, /^not valid YAML/);
  assert.equal(problems('version: 1\n')[0]!.message.startsWith('missing'), true);
  assert.match(problems('- a\n- b\n')[0]!.message, /YAML mapping/);
  assert.match(problems('version: 1\ntargets: [http://a/, http://b/]\noutputs: [{format: json, file: r.json}]\n')[0]!.message, /\{target\}/);
});

test('a plan file over MAX_PLAN_BYTES is refused before it is parsed', async () => {
  const big = join(dir, 'big.yaml');
  writeFileSync(big, 'version: 1\ntargets: [http://127.0.0.1/]\n#' + 'x'.repeat(MAX_PLAN_BYTES) + '\n');
  const r = await wsc(['plan', 'validate', big]);
  assert.equal(r.code, 1);
  assert.match(r.err, new RegExp(`big\\.yaml:1:1: the plan is over ${MAX_PLAN_BYTES} bytes`));
});

test('wsc plan validate prints file:line:col problems and exits 1; a good plan exits 0', async () => {
  const bad = join(dir, 'bad.yaml');
  writeFileSync(bad, 'version: 1\ntargets:\n  - http://127.0.0.1/\nitems: [XSS, Nope]\n');
  const r = await wsc(['plan', 'validate', bad]);
  assert.equal(r.code, 1);
  assert.match(r.err, new RegExp(`^${bad.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:4:14: items\\[1\\]: `));
  const good = join(dir, 'good.yaml');
  writeFileSync(good, 'version: 1\ntargets: [http://127.0.0.1/]\n');
  const g = await wsc(['plan', 'validate', good]);
  assert.equal(g.code, 0, g.err);
  assert.match(g.out, /valid plan, 1 target, 0 outputs/);
  const s = await wsc(['plan', 'schema']);
  assert.deepEqual(JSON.parse(s.out), planJsonSchema());
  const scan = await wsc(['scan', '--plan', bad]);
  assert.equal(scan.code, 3);
  assert.match(scan.err, /error: .*bad\.yaml:4:14: items\[1\]/);
  const mixed = await wsc(['scan', '--plan', good, '--speed', '3']);
  assert.equal(mixed.code, 3);
  assert.match(mixed.err, /set --speed in the plan/);
});

test('a plan drives the same scan as the same flags; several outputs in one run', async () => {
  const plan = join(dir, 'same.yaml');
  writeFileSync(
    plan,
    [
      'version: 1',
      `targets: ["${tb.url}/dirlist/"]`,
      'scope:',
      '  exclude:',
      '    - prefix: /dirlist/iis/',
      '    - regex: "/jetty/"',
      'items: [Directory Listing]',
      'speed: 3',
      'limits: { max-depth: 4, timeout: 5, max-requests: 5000 }',
      'outputs:',
      '  - { format: json, file: plan.json }',
      '  - { format: sarif, file: out/../plan.sarif }',
      'fail-on: medium',
    ].join('\n'),
  );
  const viaPlan = await wsc(['scan', '--plan', plan, '--silent']);
  assert.equal(viaPlan.code, 1, viaPlan.err);
  assert.equal(viaPlan.err, '');
  const flagsFile = join(dir, 'flags.json');
  const viaFlags = await wsc(['scan', `${tb.url}/dirlist/`, '--items', 'Directory Listing', '--exclude', '/dirlist/iis/', '--exclude-regex', '/jetty/', '--speed', '3', '--max-depth', '4', '--timeout', '5', '--max-requests', '5000', '--output', flagsFile, '--fail-on', 'medium', '--silent']);
  assert.equal(viaFlags.code, 1, viaFlags.err);
  const a = JSON.parse(readFileSync(join(dir, 'plan.json'), 'utf8')) as JsonReport;
  const b = JSON.parse(readFileSync(flagsFile, 'utf8')) as JsonReport;
  assert.deepEqual(a.options, b.options);
  assert.equal(a.target, b.target);
  const key = (r: JsonReport) => r.findings.map((f) => `${f.check} ${f.url}`).sort();
  assert.deepEqual(key(a), key(b));
  assert.equal(a.findings.length, 5);
  assert.ok(!key(a).some((k) => /\/(iis|jetty)\//.test(k)));
  assert.equal((JSON.parse(readFileSync(join(dir, 'plan.sarif'), 'utf8')) as SarifLog).runs[0]!.results.length, 5);
});

test('scope include (prefix) and exclude (regex) bound every request; seeds add start points', async () => {
  const plan = join(dir, 'scope.yaml');
  writeFileSync(
    plan,
    [
      'version: 1',
      `targets: [{ url: "${site.url}/app/" }]`,
      'scope:',
      `  include: [{ prefix: /app/ }]`,
      '  exclude: [{ regex: "\\\\.(png|gif)$" }]',
      'seeds: [/app/hidden, /other/seed]',
      'items: [Directory Listing]',
      'speed: "3"',
      'outputs: [{ format: json, file: scope.json }]',
    ].join('\n'),
  );
  site.hits.length = 0;
  const r = await wsc(['scan', '--plan', plan, '--silent']);
  assert.equal(r.code, 0, r.err);
  const paths = site.hits.map((h) => h.split(' ')[1]!.replace(/\?.*$/, ''));
  assert.ok(paths.includes('/app/x') && paths.includes('/app/hidden'), paths.join(' '));
  const outside = paths.filter((p) => !p.startsWith('/app/') || /\.(png|gif)$/.test(p));
  assert.deepEqual(outside, [], 'requests outside the plan scope');
  const report = JSON.parse(readFileSync(join(dir, 'scope.json'), 'utf8')) as JsonReport;
  assert.ok(report.urls.some((u) => u.url.endsWith('/app/hidden')));
});
