// The farm's settings, from the environment (documented in README "Running a farm").
import { hostname } from 'node:os';

export interface FarmConfig {
  /** Schema of the store's tables (WSC_DATABASE_SCHEMA); null: the connection's search_path. */
  dbSchema: string | null;
  /** pg-boss's schema (WSC_QUEUE_SCHEMA): default "pgboss", or "<dbSchema>_queue". */
  queueSchema: string;
  /** A worker's heartbeat and status poll, ms (WSC_WORKER_HEARTBEAT_MS). */
  heartbeatMs: number;
  /** A running job whose heartbeat is older than this is taken over, ms (WSC_WORKER_STALE_MS). */
  staleMs: number;
  /** An idle worker asks the queue for work this often, ms (WSC_WORKER_POLL_MS, >= 500). */
  pollMs: number;
  /** SIGTERM: how long running jobs may go on before they are handed to other workers, ms (WSC_DRAIN_TIMEOUT_MS). */
  drainTimeoutMs: number;
  /** Where a worker serves /metrics, host:port (WSC_METRICS_LISTEN; port 0 = any). */
  metricsListen: { host: string; port: number } | null;
  /** Jobs taken over from dead workers a worker runs beyond its concurrency (WSC_WORKER_TAKEOVER_SLOTS). */
  takeoverSlots: number;
  /**
   * How far this worker's clock may lag the API node's that queued a reservation at its time:
   * the claim accepts a reservation due within this much of the worker's now, ms.
   */
  clockSkewMs: number;
  /** This process's name in `wsc workers` (WSC_WORKER_HOST, default the host name). */
  host: string;
  /** Attack targets per unit of a split check (WSC_UNIT_TARGETS; 0: checks are never split). */
  unitTargets: number;
}

const IDENT = /^[a-z_][a-z0-9_]{0,62}$/;

function int(env: NodeJS.ProcessEnv, name: string, dflt: number, min: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return dflt;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min) throw new Error(`${name} must be an integer >= ${min}, got "${raw}"`);
  return n;
}

export function loadFarmConfig(env: NodeJS.ProcessEnv): FarmConfig {
  const dbSchema = env.WSC_DATABASE_SCHEMA || null;
  if (dbSchema !== null && !IDENT.test(dbSchema)) throw new Error(`WSC_DATABASE_SCHEMA "${dbSchema}" must be a lower-case identifier`);
  const queueSchema = env.WSC_QUEUE_SCHEMA || (dbSchema ? `${dbSchema}_queue` : 'pgboss');
  if (!IDENT.test(queueSchema)) throw new Error(`WSC_QUEUE_SCHEMA "${queueSchema}" must be a lower-case identifier`);
  const heartbeatMs = int(env, 'WSC_WORKER_HEARTBEAT_MS', 1000, 100);
  const staleMs = int(env, 'WSC_WORKER_STALE_MS', 15_000, 1000);
  if (staleMs < heartbeatMs * 3) throw new Error(`WSC_WORKER_STALE_MS (${staleMs}) must be at least 3 heartbeats (WSC_WORKER_HEARTBEAT_MS ${heartbeatMs})`);
  let metricsListen: FarmConfig['metricsListen'] = { host: '127.0.0.1', port: 9464 };
  const ml = env.WSC_METRICS_LISTEN;
  if (ml === 'off') metricsListen = null;
  else if (ml) {
    const m = /^(\[[^\]]+\]|[^:]+):(\d{1,5})$/.exec(ml);
    const port = Number(m?.[2]);
    if (!m?.[1] || port > 65535) throw new Error(`WSC_METRICS_LISTEN must be host:port or "off", got "${ml}"`);
    metricsListen = { host: m[1].replace(/^\[|\]$/g, ''), port };
  }
  return {
    dbSchema,
    queueSchema,
    heartbeatMs,
    staleMs,
    pollMs: int(env, 'WSC_WORKER_POLL_MS', 1000, 500),
    drainTimeoutMs: int(env, 'WSC_DRAIN_TIMEOUT_MS', 60_000, 0),
    metricsListen,
    takeoverSlots: int(env, 'WSC_WORKER_TAKEOVER_SLOTS', 1, 0),
    clockSkewMs: int(env, 'WSC_FARM_CLOCK_SKEW_MS', 300_000, 0),
    host: env.WSC_WORKER_HOST || hostname(),
    unitTargets: int(env, 'WSC_UNIT_TARGETS', 8, 0),
  };
}
