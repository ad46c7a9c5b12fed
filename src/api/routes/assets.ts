// wsc extension: an account lists its assets and proves ownership of new ones itself, the way
// NCP's console verifies a domain (a token file placed on the site).
import type { FastifyInstance } from 'fastify';
import { normalizeHost } from '../../jobs/ownership.js';
import { checkVerificationFile, verificationToken, verificationUrl } from '../../jobs/verify-asset.js';
import type { AppDeps } from '../app.js';
import { ApiError } from '../errors.js';
import { assetUrlSchema } from '../schemas.js';
import { ok, parseBody } from './jobs.js';

const VERIFICATION_TTL_MS = 7 * 24 * 3600 * 1000;

export async function assetRoutes(app: FastifyInstance, deps: AppDeps): Promise<void> {
  const { store, sealer, clock } = deps;

  app.get('/assets', async (req) => {
    const rows = await store.listAssets(req.principal.accountId);
    return ok({ assets: rows.map((a) => ({ kind: a.kind, value: a.value, source: a.source })) });
  });

  app.post('/assets/verify', async (req) => {
    const { url } = parseBody(assetUrlSchema, req.body, 'url');
    const origin = new URL(url).origin;
    const accountId = req.principal.accountId;
    const token = verificationToken(sealer, accountId, origin);
    const now = clock.now();
    if (!(await store.getVerification(token))) {
      await store.createVerification({
        token,
        accountId,
        origin,
        host: normalizeHost(new URL(url).hostname),
        createdAt: now,
        expiresAt: now + VERIFICATION_TTL_MS,
      });
    }
    return ok({ token, url_to_place: verificationUrl(origin), content: token, expires_at: now + VERIFICATION_TTL_MS });
  });

  app.post('/assets/verify/check', async (req) => {
    const { url } = parseBody(assetUrlSchema, req.body, 'url');
    const origin = new URL(url).origin;
    const accountId = req.principal.accountId;
    const token = verificationToken(sealer, accountId, origin);
    const v = await store.getVerification(token);
    if (!v || v.accountId !== accountId) {
      throw new ApiError(400, 160451, 'Assets_Check_Fail', 'No verification was issued for this origin; call /assets/verify first.');
    }
    const outcome = await checkVerificationFile(origin, token);
    if (!outcome.ok) throw new ApiError(400, 160451, 'Assets_Check_Fail', outcome.reason);
    await store.markVerified(token, clock.now());
    await store.addAsset(accountId, 'host', v.host, 'verified');
    req.log.info({ accountId, host: v.host }, 'asset verified');
    return ok({ host: v.host, verified: true });
  });
}
