// wsc extension: an account lists its assets and proves ownership of new ones itself, the way
// NCP's console verifies a domain (a token file placed on the site, or a DNS TXT record). What a
// proof covers is in verify-asset.ts; every check attempt is rate-limited per account, audited,
// and answered with one generic text, so that the check cannot be used to probe a network.
import type { FastifyInstance } from 'fastify';
import { assetCovers, normalizeHost, verificationRefusal } from '../../jobs/ownership.js';
import {
  checkVerificationFile,
  checkVerificationRecord,
  provenAsset,
  verificationRecord,
  verificationToken,
  verificationUrl,
} from '../../jobs/verify-asset.js';
import type { AppDeps } from '../app.js';
import { ApiError, rateLimited } from '../errors.js';
import { listeningOf } from '../listening.js';
import { RateLimiter } from '../rate-limit.js';
import { assetCheckSchema, assetUrlSchema } from '../schemas.js';
import { ok, parseBody } from './jobs.js';

const VERIFICATION_TTL_MS = 7 * 24 * 3600 * 1000;

export async function assetRoutes(app: FastifyInstance, deps: AppDeps): Promise<void> {
  const { store, sealer, clock } = deps;
  const perMinute = deps.config.verifyChecksPerMinute;
  const checks = new RateLimiter(perMinute / 60, Math.max(1, perMinute), clock);

  app.get('/assets', async (req) => {
    const rows = await store.listAssets(req.principal.accountId);
    return ok({ assets: rows.map((a) => ({ kind: a.kind, value: a.value, source: a.source, covers: assetCovers(a.kind, a.value) })) });
  });

  app.post('/assets/verify', async (req) => {
    const { url } = parseBody(assetUrlSchema, req.body, 'url');
    const origin = new URL(url).origin;
    const host = normalizeHost(new URL(url).hostname);
    const accountId = req.principal.accountId;
    const token = verificationToken(sealer, accountId, origin);
    const now = clock.now();
    if (!(await store.getVerification(token))) {
      await store.createVerification({ token, accountId, origin, host, createdAt: now, expiresAt: now + VERIFICATION_TTL_MS });
    }
    const file = provenAsset(origin, 'file');
    const dns = provenAsset(origin, 'dns');
    return ok({
      token,
      url_to_place: verificationUrl(origin),
      content: token,
      expires_at: now + VERIFICATION_TTL_MS,
      covers: assetCovers(file.kind, file.value),
      dns_record: { name: verificationRecord(host), type: 'TXT', value: token, covers: assetCovers(dns.kind, dns.value) },
    });
  });

  app.post('/assets/verify/check', async (req) => {
    const { url, method = 'file' } = parseBody(assetCheckSchema, req.body, 'url');
    const origin = new URL(url).origin;
    const accountId = req.principal.accountId;
    const audit = (outcome: string, reason?: string): void =>
      req.log.info({ audit: 'asset-verify', accountId, accessKey: req.principal.accessKey, ip: req.ip, origin, method, outcome, ...(reason ? { reason } : {}) }, 'ownership check');
    if (!checks.take(String(accountId))) {
      audit('rate-limited');
      throw rateLimited('Too many ownership checks for this account; retry later.');
    }
    const token = verificationToken(sealer, accountId, origin);
    const v = await store.getVerification(token);
    if (!v || v.accountId !== accountId) {
      audit('not-issued');
      throw new ApiError(400, 160451, 'Assets_Check_Fail', 'No verification was issued for this origin; call /assets/verify first.');
    }
    const where = method === 'dns' ? verificationRecord(v.host) : verificationUrl(origin);
    let outcome;
    if (method === 'dns') {
      outcome = await checkVerificationRecord(v.host, token, deps.txtResolver);
    } else {
      const assets = await store.listAssets(accountId);
      const listening = listeningOf(app);
      outcome = await checkVerificationFile(origin, token, {
        refuse: (address, port) => verificationRefusal(assets, origin, address, port, listening, deps.resolver),
        ...(deps.resolver ? { resolve: deps.resolver } : {}),
      });
    }
    if (!outcome.ok) {
      audit('failed', outcome.reason);
      // One answer whatever the network said: refused, closed, not HTTP, 404 or wrong body.
      throw new ApiError(400, 160451, 'Assets_Check_Fail', `token not found at ${where}`);
    }
    const asset = provenAsset(origin, method);
    await store.markVerified(token, clock.now());
    await store.addAsset(accountId, asset.kind, asset.value, 'verified');
    audit('verified', `${asset.kind} ${asset.value}`);
    return ok({ host: v.host, verified: true, kind: asset.kind, value: asset.value, covers: assetCovers(asset.kind, asset.value) });
  });
}
