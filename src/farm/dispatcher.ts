// The API node's side of the queue (`wsc serve --no-runner`): a created job is queued for the
// workers, a stop or cancel is told to them with a NOTIFY. The node runs no job itself.
import type { Logger } from '../core/log.js';
import { systemClock, type Clock } from '../core/time.js';
import type { KyselyStore } from '../jobs/store-kysely.js';
import { notifyControl } from './control.js';
import type { ScanQueue } from './queue.js';

export class FarmDispatcher {
  constructor(
    private readonly store: KyselyStore,
    private readonly queue: ScanQueue,
    private readonly dbSchema: string | null,
    private readonly log: Logger,
    private readonly clock: Clock = systemClock,
  ) {}

  kick(jobId?: number): void {
    void this.enqueue(jobId).catch((err: unknown) =>
      // the job stays 12 in the store; the workers' sweep queues it within 10 s
      this.log.warn({ err, jobId }, 'could not queue the job now; a worker will pick it up from the store'),
    );
  }

  private async enqueue(jobId: number | undefined): Promise<void> {
    if (jobId !== undefined) {
      const job = await this.store.getJob(jobId);
      // a reservation is queued when it comes due (the scheduler's tick kicks it then)
      if (job?.reservedAt != null && job.reservedAt > this.clock.now()) return;
      await this.queue.send(jobId, 0);
      return;
    }
    for (const j of await this.store.startableJobs(this.clock.now(), 100)) await this.queue.send(j.id, 0);
  }

  abort(jobId: number): void {
    notifyControl(this.store.db, this.dbSchema, jobId).catch((err: unknown) =>
      // the workers also read the job's status every heartbeat: the stop arrives a second later
      this.log.warn({ err, jobId }, 'stop notification failed'),
    );
  }
}
