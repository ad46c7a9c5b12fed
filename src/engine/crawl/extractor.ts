// Runs pageLinks() for the crawler, in worker threads when the machine has a core to spare.
// Tokenising HTML is the largest piece of a crawl's own work; off the main thread it overlaps with
// fetching and it no longer stalls the event loop that also serves the API (`wsc serve` runs the
// engine in-process). Pages are batched per event-loop turn, so a message carries many of them.
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { pageLinks, type PageKind, type PageLinks } from './page-links.js';

export interface ExtractJob {
  kind: PageKind;
  body: string;
  pageUrl: string;
  /** See pageLinks. */
  maxCandidates?: number;
}

/** What the worker thread receives and answers, one message each way per batch. */
export interface ExtractBatch {
  id: number;
  jobs: ExtractJob[];
}

export interface ExtractReply {
  id: number;
  results: (PageLinks | { error: string })[];
}

export interface Extractor {
  extract(job: ExtractJob): Promise<PageLinks>;
  /** Threads behind it; 0 when pages are read on the calling thread. */
  readonly threads: number;
  /**
   * Bodies shorter than this are read on the calling thread: a message to a thread and back costs
   * about what tokenising a few kilobytes does, so small pages are cheaper where they are.
   */
  readonly minChars: number;
}

/** The calling thread does the work (one-core machines, WSC_PARSE_THREADS=0). */
export const inlineExtractor: Extractor = {
  threads: 0,
  minChars: Infinity,
  extract(job) {
    try {
      return Promise.resolve(pageLinks(job.kind, job.body, job.pageUrl, undefined, job.maxCandidates));
    } catch (err) {
      return Promise.reject(err instanceof Error ? err : new Error(String(err)));
    }
  },
};

/** The extraction thread failed (could not start, crashed, exited): not the page's fault. */
export class ThreadError extends Error {
  override name = 'ThreadError';
}

interface Pending {
  resolve(v: PageLinks): void;
  reject(e: Error): void;
}

/** Batches beyond this many pages go out at once instead of waiting for the turn to end. */
const MAX_BATCH = 64;

class WorkerLane {
  private worker: Worker | null = null;
  private nextId = 1;
  private readonly inFlight = new Map<number, Pending[]>();
  private batch: ExtractJob[] = [];
  private waiting: Pending[] = [];
  private scheduled = false;
  /** Jobs sent and not answered; the pool picks the least loaded lane. */
  load = 0;

  constructor(private readonly url: URL) {}

  private start(): Worker {
    const w = new Worker(this.url);
    w.on('message', (m: ExtractReply) => this.onReply(m));
    w.on('error', (err) => this.failAll(new ThreadError(`the page extraction thread failed: ${err.message}`)));
    w.on('exit', (code) => {
      this.worker = null;
      if (this.inFlight.size > 0) this.failAll(new ThreadError(`the page extraction thread exited with code ${code}`));
    });
    // Idle, the thread must not keep a process (a CLI scan, a test) alive; busy, it must, or a
    // process whose only pending work is a page being read would exit under it. (unref() only
    // holds once the listeners above are attached.)
    w.unref();
    return w;
  }

  private onReply(m: ExtractReply): void {
    const pending = this.inFlight.get(m.id);
    if (!pending) return;
    this.inFlight.delete(m.id);
    if (this.inFlight.size === 0) this.worker?.unref();
    this.load -= pending.length;
    for (let i = 0; i < pending.length; i++) {
      const r = m.results[i];
      const p = pending[i] as Pending;
      if (r === undefined) p.reject(new Error('no result for this page'));
      else if ('error' in r) p.reject(new Error(r.error));
      else p.resolve(r);
    }
  }

  private failAll(err: Error): void {
    for (const pending of this.inFlight.values()) for (const p of pending) p.reject(err);
    this.inFlight.clear();
    this.load = 0;
    this.worker?.unref();
  }

  submit(job: ExtractJob): Promise<PageLinks> {
    return new Promise<PageLinks>((resolve, reject) => {
      this.batch.push(job);
      this.waiting.push({ resolve, reject });
      this.load++;
      if (this.batch.length >= MAX_BATCH) this.flush();
      else if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  private flush(): void {
    this.scheduled = false;
    if (this.batch.length === 0) return;
    const jobs = this.batch;
    const waiting = this.waiting;
    this.batch = [];
    this.waiting = [];
    const id = this.nextId++;
    this.inFlight.set(id, waiting);
    try {
      this.worker ??= this.start();
      if (this.inFlight.size === 1) this.worker.ref();
      this.worker.postMessage({ id, jobs } satisfies ExtractBatch);
    } catch (err) {
      this.inFlight.delete(id);
      this.load -= waiting.length;
      const e = new ThreadError(`the page extraction thread could not take the pages: ${err instanceof Error ? err.message : String(err)}`);
      for (const p of waiting) p.reject(e);
    }
  }
}

class WorkerExtractor implements Extractor {
  private readonly lanes: WorkerLane[];

  constructor(
    readonly threads: number,
    url: URL,
    readonly minChars: number,
  ) {
    this.lanes = Array.from({ length: threads }, () => new WorkerLane(url));
  }

  async extract(job: ExtractJob): Promise<PageLinks> {
    let lane = this.lanes[0] as WorkerLane;
    for (const l of this.lanes) if (l.load < lane.load) lane = l;
    try {
      return await lane.submit(job);
    } catch (err) {
      // A thread that died (or could not start) must not cost the page: read it here instead.
      // pageLinks is hardened against hostile pages, so this is a fallback, not a risk.
      if (err instanceof ThreadError) return pageLinks(job.kind, job.body, job.pageUrl, undefined, job.maxCandidates);
      throw err;
    }
  }
}

let shared: Extractor | null = null;

/** See Extractor.minChars; measured with bench:crawl --page-bytes (README). */
const DEFAULT_MIN_CHARS = 16 * 1024;

/**
 * The process-wide extractor: WSC_PARSE_THREADS threads (default: one fewer than the cores, at
 * most 2; none on a one-core machine) for pages of WSC_PARSE_THREAD_MIN_BYTES characters or more
 * (default 16 KiB). Threads start on first use and hold the process open only while busy.
 */
export function sharedExtractor(): Extractor {
  if (shared) return shared;
  const env = process.env.WSC_PARSE_THREADS;
  const wanted = env !== undefined && /^\d+$/.test(env.trim()) ? Number(env) : Math.min(2, availableParallelism() - 1);
  const threads = Math.max(0, Math.min(16, wanted));
  const minEnv = process.env.WSC_PARSE_THREAD_MIN_BYTES;
  const minChars = minEnv !== undefined && /^\d+$/.test(minEnv.trim()) ? Number(minEnv) : DEFAULT_MIN_CHARS;
  shared = threads === 0 ? inlineExtractor : new WorkerExtractor(threads, workerUrl(), minChars);
  return shared;
}

/** An extractor with its own `threads` threads for pages of `minChars` or more (benchmarks, tests). */
export function workerExtractor(threads: number, minChars = DEFAULT_MIN_CHARS, entry: URL = workerUrl()): Extractor {
  return threads <= 0 ? inlineExtractor : new WorkerExtractor(threads, entry, minChars);
}

/** The worker's entry beside this module: .js once compiled; under tsx (tests) the .ts source. */
function workerUrl(): URL {
  const here = import.meta.url;
  return new URL(here.endsWith('.ts') ? './extract-worker.ts' : './extract-worker.js', here);
}
