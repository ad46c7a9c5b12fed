// The package as a consumer gets it: `npm pack`, installed into an empty folder, `import { WscClient }
// from 'wsc'` type-checked and run against a real server, and the `wsc` bin answering from there.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { startSite, type Site } from '../helpers/site.js';
import { startTestbed, type Testbed } from '../testbed/server.js';
import { parse as parseYaml } from 'yaml';

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const TSC = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');

let dir: string;
let consumer: string;
let tarball: string;
let server: TestServer;
let site: Site;
let tb: Testbed;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'wsc-pack-'));
  // `npm pack` runs `prepare` (the build), as a publish would
  const packed = await run('npm', ['pack', '--json', '--pack-destination', dir], { cwd: ROOT, maxBuffer: 32 << 20 });
  const info = JSON.parse(packed.stdout.slice(packed.stdout.indexOf('['))) as { filename: string; files: { path: string }[] }[];
  tarball = join(dir, info[0]!.filename);
  const paths = info[0]!.files.map((f) => f.path);
  assert.ok(paths.includes('dist/sdk/index.js') && paths.includes('dist/sdk/index.d.ts') && paths.includes('dist/cli/main.js'), 'the pack holds the build');
  assert.ok(paths.some((p) => p.startsWith('templates/')), 'the pack holds the shipped templates');
  assert.deepEqual(paths.filter((p) => /(^|\/)(test|bench)\/|\.test\.|^src\/|\.map$/.test(p)), [], 'no tests, sources or maps in the pack');
  consumer = join(dir, 'consumer');
  mkdirSync(consumer);
  writeFileSync(join(consumer, 'package.json'), JSON.stringify({ name: 'consumer', version: '1.0.0', type: 'module', private: true }));
  // the cache answers when it can; install scripts (native builds) are not what this test is about
  await run('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', '--ignore-scripts', tarball], { cwd: consumer, maxBuffer: 32 << 20, timeout: 180_000 });
  server = await startTestServer();
  site = await startSite({ '/': '<html><body><a href="/a">a</a></body></html>', '/a': '<p>a</p>' });
  tb = await startTestbed();
});

after(async () => {
  await server?.close();
  await site?.close();
  await tb?.close();
  rmSync(dir, { recursive: true, force: true });
});

const SOURCE = `import { WscClient, WscApiError, type CreateJobRequest } from 'wsc';

const client = new WscClient({ endpoint: process.env.WSC_ENDPOINT!, accessKey: process.env.WSC_ACCESS_KEY!, secretKey: process.env.WSC_SECRET_KEY! });
const job: CreateJobRequest = { StartUrl: process.env.TARGET!, VulnItems: ['Directory Listing'], UserAgent: 'PC Chrome', Speed: '1', Memo: 'from the package' };
const created = await client.createJob(job);
const list = await client.getJobs({ limit: 10, page: 1 });
let refused = '';
try {
  await client.stopJob('1');
} catch (err) {
  if (err instanceof WscApiError) refused = String(err.errorCode);
}
console.log(JSON.stringify({ instanceNo: created.instanceNo, memos: list.records.map((r) => r.memo), refused }));
`;

test('import { WscClient } from "wsc" type-checks and creates a job on a running server', async () => {
  assert.ok(readdirSync(join(consumer, 'node_modules', 'wsc', 'dist', 'sdk')).includes('index.d.ts'));
  writeFileSync(join(consumer, 'consumer.ts'), SOURCE);
  // typeRoots point at this project's @types/node: the consumer installed only wsc
  writeFileSync(join(consumer, 'tsconfig.json'), JSON.stringify({ compilerOptions: { target: 'ES2022', module: 'NodeNext', moduleResolution: 'NodeNext', strict: true, skipLibCheck: true, outDir: 'out', typeRoots: [join(ROOT, 'node_modules', '@types')], types: ['node'] }, files: ['consumer.ts'] }));
  await run(process.execPath, [TSC, '-p', 'tsconfig.json'], { cwd: consumer });
  const env = { ...process.env, WSC_ENDPOINT: server.url, WSC_ACCESS_KEY: server.admin.accessKey, WSC_SECRET_KEY: server.admin.secretKey, TARGET: site.url + '/' };
  const out = await run(process.execPath, [join('out', 'consumer.js')], { cwd: consumer, env });
  const result = JSON.parse(out.stdout) as { instanceNo: string; memos: string[]; refused: string };
  assert.match(result.instanceNo, /^\d{10}$/);
  assert.deepEqual(result.memos, ['from the package']);
  assert.equal(result.refused, '901');
  const jobs = await server.call('GET', '/api/v1/jobs?limit=10&page=1');
  assert.equal(jobs.json.resources.record_data[0].instanceNo, result.instanceNo);
});

test('the installed bin runs: wsc --version and wsc checks', async () => {
  const bin = join(consumer, 'node_modules', '.bin', 'wsc');
  const v = await run(bin, ['--version'], { cwd: consumer });
  assert.equal(v.stdout.trim(), '0.1.0');
  const checks = await run(bin, ['checks', '--json'], { cwd: consumer });
  const list = JSON.parse(checks.stdout) as { id: string }[];
  assert.ok(list.some((c) => c.id === 'sql-injection'));
});

/** Runs one CI step's shell text as the runner would (bash -e), in the consumer's folder. */
function step(script: string, env: NodeJS.ProcessEnv): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('bash', ['-e', '-c', script], { cwd: consumer, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (err += c.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, out, err }));
  });
}

test('docs/ci.md: the GitHub Actions and GitLab CI commands run as scripts against a loopback target and fail on high', async () => {
  const doc = readFileSync(join(ROOT, 'docs', 'ci.md'), 'utf8');
  const blocks = [...doc.matchAll(/```yaml\n([\s\S]*?)```/g)].map((m) => parseYaml(m[1]!) as Record<string, any>);
  const gh = blocks.find((b) => b.jobs !== undefined)!;
  const gl = blocks.find((b) => b.dast !== undefined)!;
  assert.ok(gh && gl, 'both recipes are in docs/ci.md');
  // the loopback testbed stands in for the service container; one item keeps the scan short
  const overrides = { TARGET: `${tb.url}/specific/`, WSC_PACKAGE: tarball, WSC_ITEMS: 'Specific Vulnerability' };
  const job = gh.jobs.wsc as { env: Record<string, string>; steps: { run?: string; uses?: string }[] };
  const runs = job.steps.filter((s) => s.run !== undefined).map((s) => s.run as string);
  assert.ok(runs.every((r) => /^(npm install |npx wsc )/.test(r)), 'only npm install and npx wsc');
  const results: number[] = [];
  for (const r of runs) results.push((await step(r, { ...job.env, ...overrides })).code ?? -1);
  assert.deepEqual(results, [0, 1], 'install succeeds, the scan fails the job on its high findings');
  const sarif = JSON.parse(readFileSync(join(consumer, 'wsc.sarif'), 'utf8')) as { version: string; runs: { results: { level: string }[] }[] };
  assert.equal(sarif.version, '2.1.0');
  assert.ok(sarif.runs[0]!.results.length > 0);
  assert.ok(job.steps.some((s) => s.uses?.startsWith('github/codeql-action/upload-sarif')), 'the SARIF goes to code scanning');

  const dast = gl.dast as { variables: Record<string, string>; script: string[]; artifacts: { paths: string[] } };
  const codes: number[] = [];
  for (const line of dast.script) codes.push((await step(line, { ...dast.variables, ...overrides })).code ?? -1);
  assert.deepEqual(codes, [0, 1]);
  for (const p of dast.artifacts.paths) assert.ok(existsSync(join(consumer, p)), p);
  const report = JSON.parse(readFileSync(join(consumer, 'wsc-report.json'), 'utf8')) as { findings: { severity: string }[] };
  assert.ok(report.findings.some((f) => f.severity === 'high'));
  const lines = readFileSync(join(consumer, 'wsc-findings.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { type: string });
  assert.equal(lines.at(-1)!.type, 'stats');
  assert.equal(lines.filter((l) => l.type === 'finding').length, report.findings.length);
});
