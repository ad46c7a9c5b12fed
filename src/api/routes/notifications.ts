// wsc extension: an account's notification channels (webhook, e-mail), their test-send and
// delivery log. Webhook URLs are checked against link-local, metadata, loopback and private
// addresses here and again at each delivery (src/jobs/notify.ts).
import type { FastifyInstance } from 'fastify';
import { randomToken } from '../../core/crypto.js';
import { NOTIFY_EVENTS, type ChannelRow, type DeliveryRow } from '../../jobs/notify-store.js';
import { webhookRefusal } from '../../jobs/notify.js';
import type { AppDeps } from '../app.js';
import { apiCallFail, badRequestException, notReady } from '../errors.js';
import { channelInSchema, channelPatchSchema } from '../schemas.js';
import { ok } from './jobs.js';
import { badField, parseExtension, parseId } from './schedules.js';

const SECRET_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

export function channelView(c: ChannelRow) {
  return { channel_id: c.id, kind: c.kind, name: c.name, url: c.url, to: c.to, events: c.events, enabled: c.enabled, secret_hint: c.secretHint, created_at: c.createdAt };
}

export function deliveryView(d: DeliveryRow) {
  return {
    delivery_id: d.id,
    channel_id: d.channelId,
    event: d.event,
    instance_id: d.instanceId === null ? null : String(d.instanceId),
    attempt: d.attempt,
    status: d.status,
    response: d.response,
    error: d.error,
    attempts: d.attempts,
    created_at: d.createdAt,
    next_attempt_at: d.status === 'pending' ? d.nextAttemptAt : null,
    delivered_at: d.deliveredAt,
  };
}

export async function notificationRoutes(app: FastifyInstance, deps: AppDeps): Promise<void> {
  const { store, clock, config } = deps;
  const repo = store.notify;

  async function checkUrl(url: string): Promise<void> {
    const refusal = await webhookRefusal(url, config.webhookAllowPrivate, deps.resolver);
    if (refusal) throw badField('Url', refusal);
  }

  async function owned(req: { params: unknown; principal: { accountId: number } }): Promise<ChannelRow> {
    const c = await repo.getChannel(parseId((req.params as { id: string }).id), req.principal.accountId);
    if (!c) throw apiCallFail();
    return c;
  }

  app.get('/notifications', async (req) => {
    return ok({ channels: (await repo.listChannels(req.principal.accountId)).map(channelView) });
  });

  app.put('/notifications', async (req) => {
    const body = parseExtension(channelInSchema, req.body, 'Kind');
    const accountId = req.principal.accountId;
    if ((await repo.listChannels(accountId)).length >= config.maxChannels) {
      throw badRequestException(`An account may have at most ${config.maxChannels} notification channels (WSC_MAX_CHANNELS).`);
    }
    let secret: string | null = null;
    let name = body.Name ?? '';
    if (body.Kind === 'webhook') {
      if (body.Url === undefined) throw badField('Url', 'a webhook needs Url, an absolute http(s) URL');
      if (body.To !== undefined) throw badField('To', 'To goes with Kind "email"');
      await checkUrl(body.Url);
      secret = body.Secret ?? randomToken(40, SECRET_ALPHABET);
      name ||= `webhook ${new URL(body.Url).host}`;
    } else {
      if (body.To === undefined) throw badField('To', 'an e-mail channel needs To, a list of addresses');
      if (body.Url !== undefined) throw badField('Url', 'Url goes with Kind "webhook"');
      if (body.Secret !== undefined) throw badField('Secret', 'Secret goes with Kind "webhook"');
      name ||= `e-mail ${body.To[0] ?? ''}`;
    }
    const c = await repo.createChannel({
      accountId,
      kind: body.Kind,
      name,
      url: body.Url ?? null,
      to: body.To ?? [],
      events: body.Events ? [...new Set(body.Events)] : [...NOTIFY_EVENTS],
      enabled: body.Enabled ?? true,
      secret,
      createdAt: clock.now(),
    });
    req.log.info({ channelId: c.id, accountId, kind: c.kind }, 'notification channel created');
    // the webhook secret leaves the server this once; afterwards only its last 4 characters
    return ok({ channel: channelView(c), ...(secret !== null ? { secret } : {}) });
  });

  app.patch('/notifications/:id', async (req) => {
    const c = await owned(req);
    const body = parseExtension(channelPatchSchema, req.body, 'Name');
    if (c.kind === 'webhook' && body.To !== undefined) throw badField('To', 'To goes with Kind "email"');
    if (c.kind === 'email' && body.Url !== undefined) throw badField('Url', 'Url goes with Kind "webhook"');
    if (c.kind === 'email' && body.Secret !== undefined) throw badField('Secret', 'Secret goes with Kind "webhook"');
    if (body.Url !== undefined) await checkUrl(body.Url);
    const updated = await repo.updateChannel(c.id, c.accountId, {
      ...(body.Name !== undefined && body.Name !== '' ? { name: body.Name } : {}),
      ...(body.Url !== undefined ? { url: body.Url } : {}),
      ...(body.To !== undefined ? { to: body.To } : {}),
      ...(body.Events !== undefined ? { events: [...new Set(body.Events)] } : {}),
      ...(body.Enabled !== undefined ? { enabled: body.Enabled } : {}),
      ...(body.Secret !== undefined ? { secret: body.Secret } : {}),
    });
    if (!updated) throw apiCallFail();
    return ok({ channel: channelView(updated) });
  });

  app.delete('/notifications/:id', async (req) => {
    const c = await owned(req);
    await repo.removeChannel(c.id, c.accountId);
    return ok({});
  });

  app.post('/notifications/:id/test', async (req) => {
    const c = await owned(req);
    if (!deps.notifier) throw notReady('This server sends no notifications.');
    const d = await deps.notifier.testSend(c);
    req.log.info({ channelId: c.id, deliveryId: d.id, status: d.status }, 'test notification sent');
    return ok({ delivery: deliveryView(d) });
  });

  app.get('/notifications/:id/deliveries', async (req) => {
    const c = await owned(req);
    return ok({ deliveries: (await repo.listDeliveries(c.id, 100)).map(deliveryView) });
  });
}
