// `wsc checks`: what a scan can run, from the registry itself (item, id, severity, CWE, budget),
// so the list a user reads is the list the engine runs.
import type { Command } from 'commander';
import { allChecks } from '../../checks/registry.js';
import { printJson, type CliIo } from '../context.js';
import { renderTable } from '../table.js';

export interface CheckListing {
  item: string;
  id: string;
  title: string;
  severity: string;
  confidence: string;
  cwe: number;
  requestBudget: number;
}

export function listChecks(): CheckListing[] {
  return allChecks.map((c) => ({
    item: c.meta.item,
    id: c.meta.id,
    title: c.meta.title,
    severity: c.meta.severity,
    confidence: c.meta.confidence,
    cwe: c.meta.cwe,
    requestBudget: c.meta.requestBudget,
  }));
}

export function registerChecksCommand(program: Command, io: CliIo): void {
  program
    .command('checks')
    .description('list every check: VulnItems word, id, severity, CWE and request budget per crawled target')
    .option('--item <word>', 'only the checks of this VulnItems word')
    .option('--json', 'print as JSON')
    .action((opts: { item?: string; json?: boolean }) => {
      const rows = listChecks().filter((c) => opts.item === undefined || c.item.toLowerCase() === opts.item.toLowerCase());
      if (opts.json) return printJson(io, rows);
      if (rows.length === 0) return void io.stdout.write(`no check serves "${opts.item}"\n`);
      io.stdout.write(
        renderTable(
          ['ITEM', 'ID', 'SEVERITY', 'CWE', 'BUDGET'],
          rows.map((c) => [c.item, c.id, c.severity, `CWE-${c.cwe}`, c.requestBudget]),
        ),
      );
      io.stdout.write('BUDGET: most requests a check may send per crawled target (the engine enforces it).\n');
    });
}
