// `wsc jobs events ID`: a job's Server-Sent Events as they happen, as JSON Lines (--jsonl) for
// scripts or as one readable line per event. Exit 0 when the job completed (4), 1 otherwise.
import type { Command } from 'commander';
import { STATUS } from '../../core/status.js';
import type { JobEvent } from '../../sdk/client.js';
import { addClientOptions, parseInstanceNo, withClient, type CliIo } from '../context.js';
import { CliExit } from '../errors.js';

function plain(s: string): string {
  return s.replace(/[\u0000-\u001f\u007f-\u009f]/g, '?');
}

function describe(e: JobEvent): string {
  switch (e.event) {
    case 'status':
      return `status: ${e.data.status_text} (${e.data.status})${e.data.progress === null ? '' : ` ${e.data.progress}%`}, ${e.data.crawl_cnt ?? 0} URLs, ${e.data.scan_cnt ?? 0} findings`;
    case 'finding':
      return `finding: [${e.data.severity}] ${plain(e.data.title)}: ${plain(e.data.method)} ${plain(e.data.url)}${e.data.parameter ? ` (${plain(e.data.parameter)})` : ''}`;
    case 'end':
      return `end: ${e.data.reason}`;
    default:
      return `${(e as { event: string }).event}: ${JSON.stringify((e as { data: unknown }).data)}`;
  }
}

export function addEventsSubcommand(jobs: Command, io: CliIo): void {
  addClientOptions(
    jobs
      .command('events')
      .description("follow a job's events (status, findings, end) until it ends; exit 0 when diagnostics completed (4), else 1")
      .argument('<id>', 'job instance number', parseInstanceNo)
      .option('--jsonl', 'one JSON object per event: {"event","id","data"}')
      .option('--since <index>', 'resume after this finding index (the id of the last finding event seen)'),
  ).action(async (id: string, opts: { jsonl?: boolean; since?: string }, cmd: Command) => {
    await withClient(cmd, io, async (client) => {
      let final: number | null = null;
      const since = opts.since === undefined ? undefined : Number(opts.since);
      for await (const e of client.jobEvents(id, since !== undefined && Number.isSafeInteger(since) ? { lastEventId: since } : {})) {
        if (e.event === 'status') final = e.data.status;
        io.stdout.write(opts.jsonl ? JSON.stringify(e) + '\n' : describe(e) + '\n');
      }
      if (final !== STATUS.DIAG_DONE) throw new CliExit(1);
    });
  });
}
