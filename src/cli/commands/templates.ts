// `wsc templates validate DIR`: checks a directory of templates as a scan would load them, naming
// the file and field of each problem, and listing Nuclei templates a scan would skip and why.
import type { Command } from 'commander';
import { loadTemplates } from '../../templates/loader.js';
import { printJson, type CliIo } from '../context.js';
import { CliExit } from '../errors.js';

export function registerTemplatesCommand(program: Command, io: CliIo): void {
  const templates = program.command('templates').description('Specific Vulnerability templates (wsc JSON and Nuclei YAML)');
  templates
    .command('validate')
    .description('validate every template of a directory; exit 1 when one is invalid')
    .argument('<dir>', 'directory of *.json (wsc) and *.yaml/*.yml (Nuclei) templates')
    .option('--json', 'print {valid, skipped, errors} as JSON')
    .action((dir: string, opts: { json?: boolean }) => {
      const r = loadTemplates({ userDir: dir, shippedDir: null });
      const valid = r.templates.map((t) => ({ id: t.template.id, file: t.file }));
      const nuclei = r.nuclei.map((t) => ({ id: t.template.id, file: t.file }));
      const skipped = r.skipped.map((s) => ({ id: s.id, file: s.file, reason: s.reason }));
      const errors = r.errors.map((e) => ({ file: e.file, problems: e.problems }));
      if (opts.json) printJson(io, { valid: [...valid, ...nuclei], skipped, errors });
      else {
        io.stdout.write(`${valid.length} wsc template${valid.length === 1 ? '' : 's'} and ${nuclei.length} Nuclei template${nuclei.length === 1 ? '' : 's'} valid\n`);
        for (const s of skipped) io.stdout.write(`skipped ${s.file} (${s.id}): ${s.reason}\n`);
        for (const e of errors) for (const p of e.problems) io.stdout.write(`error ${e.file}: ${p}\n`);
      }
      if (errors.length > 0) throw new CliExit(1);
    });
}
