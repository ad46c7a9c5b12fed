// Child process for the kill -9 test: writes jobs and their URL lists (one transaction each) to
// the SQLite store in argv[2] as fast as it can, printing each committed job id, until killed.
import { createSealer, masterKeyFromString } from '../../src/core/crypto.js';
import { openKyselyStore } from '../../src/jobs/open-store.js';

export const WRITER_URLS_PER_JOB = 500;

async function main(): Promise<void> {
  const dir = process.argv[2];
  if (!dir) throw new Error('usage: sqlite-writer-fixture.ts <dataDir>');
  const store = await openKyselyStore({ dataDir: dir, sealer: createSealer(masterKeyFromString('kill-test')) });
  const account = (await store.getAccountByName('writer')) ?? (await store.createAccount('writer'));
  const urls = Array.from({ length: WRITER_URLS_PER_JOB }, (_, i) => ({ method: 'GET', url: `http://127.0.0.1/p/${i}` }));
  for (;;) {
    const job = await store.createJob({
      accountId: account.id,
      startUrl: 'http://127.0.0.1/',
      memo: 'kill -9',
      masterId: null,
      settings: { startUrl: 'http://127.0.0.1/', excludeUrls: [], headers: {}, vulnItems: ['ALL'], userAgent: 'PC', speed: 'Normal' },
    });
    await store.addUrls(job.id, urls);
    process.stdout.write(`${job.id}\n`);
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main().catch((err: unknown) => {
    console.error(err);
    process.exitCode = 1;
  });
}
