// `npm run bench`: every benchmark, one after the other, each printing its own table.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

for (const name of ['api', 'crawl', 'detect', 'robust']) {
  process.stdout.write(`\n=== bench:${name} ===\n`);
  const r = spawnSync(process.execPath, ['--import', 'tsx', fileURLToPath(new URL(`./${name}.ts`, import.meta.url))], { stdio: 'inherit' });
  if (r.status !== 0) process.exitCode = r.status ?? 1;
}
