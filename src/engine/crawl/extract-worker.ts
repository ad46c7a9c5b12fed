// The extraction thread: answers each batch of pages with their links (see extractor.ts). A page
// that throws answers with its error and does not take the batch, or the thread, down with it.
import { parentPort } from 'node:worker_threads';
import type { ExtractBatch, ExtractReply } from './extractor.js';
import { pageLinks } from './page-links.js';

const port = parentPort;
if (!port) throw new Error('extract-worker.ts runs only as a worker thread');

port.on('message', (batch: ExtractBatch) => {
  const results: ExtractReply['results'] = [];
  for (const job of batch.jobs) {
    try {
      results.push(pageLinks(job.kind, job.body, job.pageUrl, undefined, job.maxCandidates));
    } catch (err) {
      results.push({ error: err instanceof Error ? err.message : String(err) });
    }
  }
  port.postMessage({ id: batch.id, results } satisfies ExtractReply);
});
