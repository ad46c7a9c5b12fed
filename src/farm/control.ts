// Stop and cancel across processes: the API node that moved a job to 92/91 sends a NOTIFY with
// the job's id; every worker LISTENs and aborts the job if it runs it. Heartbeats also read the
// job's status each second (src/jobs/runner.ts), so a lost notification costs a second, not the stop.
import { sql, type Kysely } from 'kysely';
import pg from 'pg';
import type { Logger } from '../core/log.js';
import type { Database } from '../jobs/store-kysely.js';

/** NOTIFY channels are per database, not per schema: the schema is part of the name. */
export function controlChannel(schema: string | null): string {
  return `wsc_job_control_${schema ?? 'public'}`;
}

export async function notifyControl(db: Kysely<Database>, schema: string | null, jobId: number): Promise<void> {
  await sql`SELECT pg_notify(${controlChannel(schema)}, ${String(jobId)})`.execute(db);
}

/** Tells idle workers that a job published units they may take (payload "units:<id>"). */
export async function notifyUnits(db: Kysely<Database>, schema: string | null, jobId: number): Promise<void> {
  await sql`SELECT pg_notify(${controlChannel(schema)}, ${`units:${jobId}`})`.execute(db);
}

export interface ControlListener {
  close(): Promise<void>;
}

/** Listens on a dedicated connection, reconnecting after a drop; `onJob` gets each job id. */
export async function listenControl(databaseUrl: string, schema: string | null, log: Logger, onJob: (jobId: number) => void, onUnits?: (jobId: number) => void): Promise<ControlListener> {
  let closed = false;
  let client: pg.Client | null = null;
  let retry: NodeJS.Timeout | null = null;
  const connect = async (): Promise<void> => {
    const c = new pg.Client({ connectionString: databaseUrl });
    c.on('notification', (m) => {
      const payload = m.payload ?? '';
      if (payload.startsWith('units:')) {
        const id = Number(payload.slice(6));
        if (Number.isSafeInteger(id)) onUnits?.(id);
        return;
      }
      const id = Number(payload);
      if (Number.isSafeInteger(id)) onJob(id);
    });
    c.on('error', (err) => {
      log.warn({ err }, 'control connection lost; reconnecting');
      void c.end().catch((e: unknown) => log.debug({ err: e }, 'closing the lost control connection failed'));
      if (!closed) retry = setTimeout(() => void connect().catch((e: unknown) => log.warn({ err: e }, 'control reconnect failed')), 1000);
    });
    await c.connect();
    // the channel name is built from a validated identifier (see controlChannel), quoted here
    await c.query(`LISTEN "${controlChannel(schema)}"`);
    client = c;
  };
  await connect();
  return {
    async close() {
      closed = true;
      if (retry) clearTimeout(retry);
      await client?.end();
    },
  };
}
