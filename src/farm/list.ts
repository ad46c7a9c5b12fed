// `wsc workers`: reads the farm's process rows straight from the database (no API needed).
import { loadFarmConfig } from './config.js';
import { listWorkers, type WorkerRow } from './state.js';

export async function listLiveWorkers(o: { databaseUrl: string; dataDir: string; env: NodeJS.ProcessEnv; all: boolean }): Promise<(WorkerRow & { staleMs: number })[]> {
  const farm = loadFarmConfig(o.env);
  const { Kysely, PostgresDialect } = await import('kysely');
  const pg = (await import('pg')).default;
  const pool = new pg.Pool({ connectionString: o.databaseUrl, max: 1, ...(farm.dbSchema ? { options: `-c search_path=${farm.dbSchema}` } : {}) });
  const db = new Kysely<import('../jobs/store-kysely.js').Database>({ dialect: new PostgresDialect({ pool }) });
  try {
    const { sql } = await import('kysely');
    const exists = await sql<{ t: string | null }>`SELECT to_regclass('farm_workers')::text AS t`.execute(db);
    if (!exists.rows[0]?.t) return [];
    const rows = await listWorkers(db, o.all ? 0 : Date.now() - farm.staleMs);
    return rows.map((r) => ({ ...r, staleMs: farm.staleMs }));
  } finally {
    await db.destroy();
  }
}
