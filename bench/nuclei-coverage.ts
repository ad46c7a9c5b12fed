// Which share of a public collection of Nuclei templates wsc runs: every HTTP template of the
// directory in WSC_NUCLEI_TEMPLATES is read by the same loader a scan uses, and counted as run or
// skipped (with the reasons, most common first). Nothing is sent anywhere; the templates are never
// copied into this repository. Usage: WSC_NUCLEI_TEMPLATES=/path/to/nuclei-templates npm run bench:nuclei
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { parse } from 'yaml';
import { NotATemplate, parseNucleiTemplate, Unsupported } from '../src/templates/nuclei/format.js';

const dir = process.env.WSC_NUCLEI_TEMPLATES;
if (!dir) {
  console.log('Set WSC_NUCLEI_TEMPLATES to a checkout of a Nuclei template collection (e.g. projectdiscovery/nuclei-templates).');
  process.exit(0);
}

function* walk(d: string): Generator<string> {
  for (const name of readdirSync(d).sort()) {
    if (name.startsWith('.')) continue;
    const p = join(d, name);
    const st = statSync(p);
    if (st.isDirectory()) yield* walk(p);
    else if (/\.ya?ml$/.test(name) && st.size < 1024 * 1024) yield p;
  }
}

/** A reason without its request index and values, so reasons of one kind add up. */
function kind(reason: string): string {
  return reason
    .replace(/http\[\d+\](\.\w+(\[\d+\])?)*/g, 'http[*]')
    .replace(/\{\{[^}]*\}\}/g, '{{…}}')
    .replace(/"[^"]*"/g, '"…"')
    .replace(/ (holds|reads part|reads) \S+/, ' $1 …')
    .replace(/function \S+\(\)/, (m) => m)
    .slice(0, 120);
}

let files = 0;
let http = 0;
let run = 0;
let notTemplates = 0;
let otherProtocolOnly = 0;
const reasons = new Map<string, number>();
const started = Date.now();
for (const file of walk(dir)) {
  files++;
  const text = readFileSync(file, 'utf8');
  let doc: unknown;
  try {
    doc = parse(text, { uniqueKeys: false, maxAliasCount: 100 });
  } catch {
    notTemplates++;
    continue;
  }
  if (doc === null || typeof doc !== 'object' || !('id' in doc) || !('info' in doc)) {
    notTemplates++;
    continue;
  }
  const t = doc as Record<string, unknown>;
  if (t.http === undefined && t.requests === undefined) {
    otherProtocolOnly++;
    continue;
  }
  http++;
  try {
    parseNucleiTemplate(text);
    run++;
  } catch (err) {
    const reason = err instanceof Unsupported || err instanceof NotATemplate ? kind(err.message) : `error: ${err instanceof Error ? err.message : String(err)}`;
    reasons.set(reason, (reasons.get(reason) ?? 0) + 1);
    if (process.env.WSC_NUCLEI_VERBOSE) console.log(`skipped ${relative(dir, file)}: ${err instanceof Error ? err.message : String(err)}`);
  }
}
const pct = (n: number, d: number): string => (d === 0 ? '-' : ((100 * n) / d).toFixed(1) + '%');
console.log(`Nuclei templates in ${dir}`);
console.log(`  YAML files                 ${files}`);
console.log(`  not templates              ${notTemplates}`);
console.log(`  other protocols only       ${otherProtocolOnly}`);
console.log(`  HTTP templates             ${http}`);
console.log(`  run by wsc                 ${run} (${pct(run, http)} of HTTP templates)`);
console.log(`  skipped                    ${http - run}`);
console.log(`  read in                    ${((Date.now() - started) / 1000).toFixed(1)} s`);
console.log('Skip reasons (most common first):');
for (const [r, n] of [...reasons.entries()].sort((a, b) => b[1] - a[1]).slice(0, 25)) console.log(`  ${String(n).padStart(6)}  ${pct(n, http).padStart(6)}  ${r}`);
