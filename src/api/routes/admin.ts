// wsc extension: who the caller is, and what admin accounts manage through the API (API keys and
// the SMTP settings). Secrets are never returned, except a new key's secret once.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { issueKey } from '../../jobs/keys.js';
import type { AppDeps } from '../app.js';
import { ApiError, forbidden } from '../errors.js';
import { keyCreateSchema, smtpSettingsSchema } from '../schemas.js';
import { maskSmtpUrl, SMTP_SETTING, type SmtpSettings } from '../../jobs/notify.js';
import { ok, parseBody } from './jobs.js';

export async function adminRoutes(app: FastifyInstance, deps: AppDeps & { onKeyRevoked?(accessKey: string): void }): Promise<void> {
  const { store, sealer, clock } = deps;

  async function requireAdmin(req: FastifyRequest): Promise<void> {
    const account = await store.getAccount(req.principal.accountId);
    if (!account?.admin) throw forbidden();
  }

  app.get('/whoami', async (req) => {
    const account = await store.getAccount(req.principal.accountId);
    return ok({ account: account?.name ?? String(req.principal.accountId), admin: account?.admin === true });
  });

  app.get('/keys', async (req) => {
    await requireAdmin(req);
    const names = new Map((await store.listAccounts()).map((a) => [a.id, a.name]));
    const keys = await store.listKeys();
    return ok({
      keys: keys.map((k) => ({ access_key: k.accessKey, account: names.get(k.accountId) ?? String(k.accountId), created_at: k.createdAt, revoked: k.status === 'revoked' })),
    });
  });

  app.put('/keys', async (req) => {
    await requireAdmin(req);
    const { Account: name } = parseBody(keyCreateSchema, req.body, 'Account');
    const account = (await store.getAccountByName(name)) ?? (await store.createAccount(name));
    const key = await issueKey(store, sealer, account.id);
    req.log.info({ audit: 'key-create', by: req.principal.accessKey, account: account.name, accessKey: key.accessKey }, 'API key created');
    return ok({ access_key: key.accessKey, secret_key: key.secretKey, account: account.name });
  });

  app.delete('/keys/:accessKey', async (req) => {
    await requireAdmin(req);
    const accessKey = (req.params as { accessKey: string }).accessKey;
    const key = await store.getKey(accessKey);
    if (!key) throw new ApiError(400, 901, 'API Call Fail', `No access key ${accessKey}.`);
    if (key.status !== 'revoked') await store.setKeyStatus(key.accessKey, 'revoked');
    deps.onKeyRevoked?.(key.accessKey);
    req.log.info({ audit: 'key-revoke', by: req.principal.accessKey, accessKey: key.accessKey }, 'API key revoked');
    return ok({});
  });

  app.get('/settings/smtp', async (req) => {
    await requireAdmin(req);
    return ok(await smtpView(deps));
  });

  app.put('/settings/smtp', async (req) => {
    await requireAdmin(req);
    const body = parseBody(smtpSettingsSchema, req.body, 'Url');
    const value: SmtpSettings = { url: body.Url, from: body.From };
    await store.notify.putSetting(SMTP_SETTING, JSON.stringify(value), clock.now());
    req.log.info({ audit: 'smtp-settings', by: req.principal.accessKey }, 'SMTP settings changed');
    return ok(await smtpView(deps));
  });
}

async function smtpView(deps: AppDeps): Promise<{ url: string | null; from: string | null; source: 'api' | 'env' | 'none' }> {
  const raw = await deps.store.notify.getSetting(SMTP_SETTING);
  if (raw !== undefined) {
    const s = JSON.parse(raw) as SmtpSettings;
    return { url: maskSmtpUrl(s.url), from: s.from, source: 'api' };
  }
  const env = deps.config.smtpUrl;
  if (env) return { url: maskSmtpUrl(env), from: deps.config.smtpFrom, source: 'env' };
  return { url: null, from: null, source: 'none' };
}
