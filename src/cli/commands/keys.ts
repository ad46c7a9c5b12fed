// `wsc keys ...`: API key administration directly on the local store of a data dir.
import type { Command } from 'commander';
import { issueKey } from '../../jobs/keys.js';
import { addDataOption, dataDirOf, printJson, type CliIo } from '../context.js';
import { checkAccountName, requireAccount, withLocalStore } from '../local-store.js';
import { renderTable } from '../table.js';

function isoDate(ms: number): string {
  return new Date(ms).toISOString().replace('T', ' ').replace(/\.\d+Z$/, 'Z');
}

export function registerKeysCommand(program: Command, io: CliIo): void {
  const keys = program.command('keys').description('manage API keys (admin: works on the local store of the data dir)');

  addDataOption(
    keys
      .command('create')
      .description('create an API key for an account (the account is created if needed); the secret is shown once')
      .requiredOption('--account <name>', 'account name')
      .option('--admin', 'make the account an admin (may manage keys and server settings through the API)')
      .option('--json', 'print {account, accessKey, secretKey} as JSON'),
  ).action(async (opts: { account: string; admin?: boolean; json?: boolean }, cmd: Command) => {
    const name = checkAccountName(opts.account);
    await withLocalStore(dataDirOf(cmd, io), io, async (store, sealer) => {
      const account = (await store.getAccountByName(name)) ?? (await store.createAccount(name, { admin: opts.admin === true }));
      if (opts.admin && !account.admin) await store.setAccountAdmin(account.id, true);
      const admin = opts.admin === true || account.admin;
      const key = await issueKey(store, sealer, account.id);
      if (opts.json) return printJson(io, { account: account.name, admin, ...key });
      io.stdout.write(
        `account     ${account.name}${admin ? ' (admin)' : ''}\n` +
          `access key  ${key.accessKey}\n` +
          `secret key  ${key.secretKey}\n` +
          'The secret key is shown only this once; store it now.\n',
      );
    });
  });

  addDataOption(
    keys
      .command('list')
      .description('list API keys (never secrets)')
      .option('--account <name>', 'only this account')
      .option('--json', 'print as JSON'),
  ).action(async (opts: { account?: string; json?: boolean }, cmd: Command) => {
    await withLocalStore(dataDirOf(cmd, io), io, async (store) => {
      const only = opts.account === undefined ? undefined : await requireAccount(store, opts.account);
      const names = new Map((await store.listAccounts()).map((a) => [a.id, a.name]));
      const rows = await store.listKeys(only?.id);
      const out = rows.map((k) => ({
        accessKey: k.accessKey,
        account: names.get(k.accountId) ?? String(k.accountId),
        status: k.status,
        createdAt: isoDate(k.createdAt),
      }));
      if (opts.json) return printJson(io, out);
      if (out.length === 0) return void io.stdout.write('no keys\n');
      io.stdout.write(
        renderTable(
          ['ACCESS KEY', 'ACCOUNT', 'STATUS', 'CREATED'],
          out.map((k) => [k.accessKey, k.account, k.status, k.createdAt]),
        ),
      );
    });
  });

  addDataOption(
    keys
      .command('revoke')
      .description('revoke an API key; requests signed with it fail from now on')
      .argument('<accessKey>', 'the access key to revoke'),
  ).action(async (accessKey: string, _opts: unknown, cmd: Command) => {
    await withLocalStore(dataDirOf(cmd, io), io, async (store) => {
      const key = await store.getKey(accessKey.trim());
      if (!key) throw new Error(`no such access key: ${accessKey}`);
      if (key.status !== 'revoked' && !(await store.setKeyStatus(key.accessKey, 'revoked'))) {
        throw new Error(`access key ${accessKey} could not be revoked`);
      }
      io.stdout.write(`access key ${key.accessKey} revoked\n`);
    });
  });
}
