// `wsc assets ...`: what an account may scan. add/remove (and list with --account) are admin
// commands on the local store; verify (and list without --account) go through the API.
import type { Command } from 'commander';
import { assetCovers, parseAsset, type ParsedAsset } from '../../jobs/ownership.js';
import { addClientOptions, addDataOption, dataDirOf, printJson, withClient, type CliIo } from '../context.js';
import { UsageError } from '../errors.js';
import { requireAccount, withLocalStore } from '../local-store.js';
import { renderTable } from '../table.js';

/** Host name, "*.domain", IPv4/IPv6 address, CIDR or origin, normalised as the server compares them. */
export function parseAssetArg(input: string): ParsedAsset {
  const parsed = parseAsset(input);
  if ('error' in parsed) {
    let hint = '';
    if (/^[a-z][a-z0-9+.-]*:\/\//i.test(input.trim())) {
      try {
        const u = new URL(input);
        hint = ` (a whole host: ${u.hostname}; one origin: ${u.origin})`;
      } catch {
        // not even a parseable URL: the generic advice is all we can give
      }
    }
    throw new UsageError(parsed.error + hint);
  }
  return parsed;
}

function printAssets(io: CliIo, assets: { kind: string; value: string; source: string; covers?: string }[]): void {
  if (assets.length === 0) return void io.stdout.write('no assets\n');
  io.stdout.write(renderTable(['KIND', 'VALUE', 'SOURCE', 'COVERS'], assets.map((a) => [a.kind, a.value, a.source, a.covers ?? ''])));
}

export function registerAssetsCommand(program: Command, io: CliIo): void {
  const assets = program.command('assets').description('hosts and address ranges an account may scan');

  addDataOption(
    assets
      .command('add')
      .description('let an account scan hosts, *.domains, IP addresses, CIDRs or single origins (admin, local store)')
      .requiredOption('--account <name>', 'account name (must exist)')
      .argument('<asset...>', 'e.g. example.com *.example.com 10.0.0.5 10.0.0.0/8 fd00::/8 http://example.com:8080'),
  ).action(async (inputs: string[], opts: { account: string }, cmd: Command) => {
    // every argument is checked before any is stored: a typo in the third adds none
    const parsed = inputs.map(parseAssetArg);
    await withLocalStore(dataDirOf(cmd, io), io, async (store) => {
      const account = await requireAccount(store, opts.account);
      for (const asset of parsed) {
        const row = await store.addAsset(account.id, asset.kind, asset.value, 'admin');
        io.stdout.write(`account ${account.name} may scan ${row.kind} ${row.value}: ${assetCovers(row.kind, row.value)}\n`);
      }
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
        const rows = (await store.listAssets(account.id)).map((a) => ({ kind: a.kind, value: a.value, source: a.source, covers: assetCovers(a.kind, a.value) }));
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
      .option('--check', 'ask the server to look for the token and record what it proves')
      .option('--dns', 'with --check: look for the TXT record instead of the file (proves the host, every port)')
      .option('--json', 'print the raw response envelope'),
  ).action(async (url: string, opts: { check?: boolean; dns?: boolean; json?: boolean }, cmd: Command) => {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      throw new UsageError(`"${url}" is not a URL (e.g. https://example.com)`);
    }
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new UsageError(`"${url}" must be http:// or https://`);
    await withClient(cmd, io, async (client) => {
      if (opts.check) {
        const env = await client.checkAssetVerification(url, opts.dns ? 'dns' : 'file');
        if (opts.json) return printJson(io, env);
        io.stdout.write(`verified: your account may now scan ${env.resources.covers ?? env.resources.host}\n`);
        return;
      }
      const env = await client.requestAssetVerification(url);
      if (opts.json) return printJson(io, env);
      const t = env.resources;
      io.stdout.write(
        `Place this token, as the whole body of a plain-text file, at:\n` +
          `  ${t.url_to_place}\n` +
          `token:\n  ${t.token}\n` +
          (t.covers ? `  this proves: ${t.covers}\n` : '') +
          (t.dns_record ? `or publish it as a DNS TXT record ${t.dns_record.name}\n  this proves: ${t.dns_record.covers}\n` : '') +
          `expires: ${typeof t.expires_at === 'number' ? new Date(t.expires_at).toISOString() : t.expires_at}\n` +
          `Then run: wsc assets verify ${url} --check${t.dns_record ? ' (add --dns for the TXT record)' : ''}\n`,
      );
    });
  });
}
