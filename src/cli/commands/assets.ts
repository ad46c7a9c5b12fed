// `wsc assets ...`: what an account may scan. add/remove (and list with --account) are admin
// commands on the local store; verify (and list without --account) go through the API.
import type { Command } from 'commander';
import { parseAsset, type ParsedAsset } from '../../jobs/ownership.js';
import { addClientOptions, addDataOption, dataDirOf, printJson, withClient, type CliIo } from '../context.js';
import { UsageError } from '../errors.js';
import { requireAccount, withLocalStore } from '../local-store.js';
import { renderTable } from '../table.js';

/** Host name, "*.domain", IPv4/IPv6 address or CIDR, normalised as the server compares them. */
export function parseAssetArg(input: string): ParsedAsset {
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(input.trim())) {
    let hint = '';
    try {
      hint = ` (e.g. ${new URL(input).hostname})`;
    } catch {
      // not even a parseable URL: the generic advice below is all we can give
    }
    throw new UsageError(`"${input}" is a URL; give a host name, IP address or CIDR${hint}`);
  }
  const parsed = parseAsset(input);
  if ('error' in parsed) throw new UsageError(parsed.error);
  return parsed;
}

function printAssets(io: CliIo, assets: { kind: string; value: string; source: string }[]): void {
  if (assets.length === 0) return void io.stdout.write('no assets\n');
  io.stdout.write(renderTable(['KIND', 'VALUE', 'SOURCE'], assets.map((a) => [a.kind, a.value, a.source])));
}

export function registerAssetsCommand(program: Command, io: CliIo): void {
  const assets = program.command('assets').description('hosts and address ranges an account may scan');

  addDataOption(
    assets
      .command('add')
      .description('let an account scan a host, *.domain, IP address or CIDR (admin, local store)')
      .requiredOption('--account <name>', 'account name (must exist)')
      .argument('<asset>', 'e.g. example.com, *.example.com, 10.0.0.5, 10.0.0.0/8, fd00::/8'),
  ).action(async (input: string, opts: { account: string }, cmd: Command) => {
    const asset = parseAssetArg(input);
    await withLocalStore(dataDirOf(cmd, io), io, async (store) => {
      const account = await requireAccount(store, opts.account);
      const row = await store.addAsset(account.id, asset.kind, asset.value, 'admin');
      io.stdout.write(`account ${account.name} may scan ${row.kind} ${row.value}\n`);
    });
  });

  addDataOption(
    assets
      .command('remove')
      .description('take a host or CIDR away from an account (admin, local store)')
      .requiredOption('--account <name>', 'account name (must exist)')
      .argument('<asset>', 'the host or CIDR as listed'),
  ).action(async (input: string, opts: { account: string }, cmd: Command) => {
    const asset = parseAssetArg(input);
    await withLocalStore(dataDirOf(cmd, io), io, async (store) => {
      const account = await requireAccount(store, opts.account);
      if (!(await store.removeAsset(account.id, asset.value))) {
        throw new Error(`${asset.value} is not an asset of account ${account.name}`);
      }
      io.stdout.write(`removed ${asset.kind} ${asset.value} from account ${account.name}\n`);
    });
  });

  addClientOptions(
    assets
      .command('list')
      .description("list assets: with --account from the local store (admin), else the caller's through the API")
      .option('--account <name>', 'account name (admin, local store)')
      .option('--json', 'print as JSON (without --account: the raw envelope)'),
  ).action(async (opts: { account?: string; json?: boolean }, cmd: Command) => {
    if (opts.account !== undefined) {
      const name = opts.account;
      await withLocalStore(dataDirOf(cmd, io), io, async (store) => {
        const account = await requireAccount(store, name);
        const rows = (await store.listAssets(account.id)).map((a) => ({ kind: a.kind, value: a.value, source: a.source }));
        return opts.json ? printJson(io, rows) : printAssets(io, rows);
      });
      return;
    }
    await withClient(cmd, io, async (client) => {
      const env = await client.listAssets();
      return opts.json ? printJson(io, env) : printAssets(io, env.resources?.assets ?? []);
    });
  });

  addClientOptions(
    assets
      .command('verify')
      .description('prove you own a site: get a token to place on it, then run again with --check')
      .argument('<url>', 'the site, e.g. https://example.com')
      .option('--check', 'ask the server to fetch the token and record the host')
      .option('--json', 'print the raw response envelope'),
  ).action(async (url: string, opts: { check?: boolean; json?: boolean }, cmd: Command) => {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      throw new UsageError(`"${url}" is not a URL (e.g. https://example.com)`);
    }
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new UsageError(`"${url}" must be http:// or https://`);
    await withClient(cmd, io, async (client) => {
      if (opts.check) {
        const env = await client.checkAssetVerification(url);
        if (opts.json) return printJson(io, env);
        io.stdout.write(`verified: your account may now scan ${env.resources.host}\n`);
        return;
      }
      const env = await client.requestAssetVerification(url);
      if (opts.json) return printJson(io, env);
      const t = env.resources;
      io.stdout.write(
        `Place this token, as the whole body of a plain-text file, at:\n` +
          `  ${t.url_to_place}\n` +
          `token:\n  ${t.token}\n` +
          `expires: ${typeof t.expires_at === 'number' ? new Date(t.expires_at).toISOString() : t.expires_at}\n` +
          `Then run: wsc assets verify ${url} --check\n`,
      );
    });
  });
}
