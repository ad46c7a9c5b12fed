// Notification channels (webhook, e-mail) per account, their deliveries with every attempt, and
// server settings (SMTP). Webhook secrets and the SMTP URL (it may hold a password) are sealed.
import type { Generated, Kysely, Selectable, Updateable } from 'kysely';
import type { Sealer } from '../core/crypto.js';
import type { Database } from './store-kysely.js';

export interface NotifyChannelsTable {
  id: Generated<number>;
  account_id: number;
  kind: string;
  name: string;
  url: string | null;
  /** JSON array of e-mail addresses. */
  to_list: string;
  /** JSON array of event names. */
  events: string;
  enabled: number;
  secret_enc: string | null;
  secret_hint: string | null;
  created_at: number;
}

export interface NotifyDeliveriesTable {
  id: Generated<number>;
  channel_id: number;
  event: string;
  instance_id: number | null;
  /** The event's JSON (without delivery_id/sent_at, which each attempt adds). */
  payload: string;
  status: string;
  attempt: number;
  response: string | null;
  error: string | null;
  /** JSON array of DeliveryAttempt. */
  attempts: string;
  created_at: number;
  next_attempt_at: number | null;
  delivered_at: number | null;
}

export interface SettingsTable {
  name: string;
  value: string;
  updated_at: number;
}

export type ChannelKind = 'webhook' | 'email';
export const NOTIFY_EVENTS = ['job.completed', 'job.failed', 'finding.high'] as const;
export type NotifyEvent = (typeof NOTIFY_EVENTS)[number];
/** What a delivery is about: an event, or the test-send. */
export type DeliveryEvent = NotifyEvent | 'test';

export interface ChannelRow {
  id: number;
  accountId: number;
  kind: ChannelKind;
  name: string;
  url: string | null;
  to: string[];
  events: NotifyEvent[];
  enabled: boolean;
  /** Clear webhook secret (opened from its seal); null for e-mail. */
  secret: string | null;
  secretHint: string | null;
  createdAt: number;
}

export type NewChannel = Omit<ChannelRow, 'id' | 'secretHint'>;
export type ChannelPatch = Partial<Pick<ChannelRow, 'name' | 'url' | 'to' | 'events' | 'enabled' | 'secret'>>;

export type DeliveryStatus = 'pending' | 'delivered' | 'failed';

export interface DeliveryAttempt {
  at: number;
  response: string | null;
  error: string | null;
}

export interface DeliveryRow {
  id: number;
  channelId: number;
  event: DeliveryEvent;
  instanceId: number | null;
  payload: string;
  status: DeliveryStatus;
  attempt: number;
  response: string | null;
  error: string | null;
  attempts: DeliveryAttempt[];
  createdAt: number;
  nextAttemptAt: number | null;
  deliveredAt: number | null;
}

export type NewDelivery = Pick<DeliveryRow, 'channelId' | 'event' | 'instanceId' | 'payload' | 'createdAt' | 'nextAttemptAt'>;
export type DeliveryOutcome = Pick<DeliveryRow, 'status' | 'attempt' | 'response' | 'error' | 'attempts' | 'nextAttemptAt' | 'deliveredAt'>;

export interface NotifyRepo {
  createChannel(c: NewChannel): Promise<ChannelRow>;
  getChannel(id: number, accountId?: number): Promise<ChannelRow | undefined>;
  listChannels(accountId: number): Promise<ChannelRow[]>;
  updateChannel(id: number, accountId: number, patch: ChannelPatch): Promise<ChannelRow | undefined>;
  removeChannel(id: number, accountId: number): Promise<boolean>;

  createDelivery(d: NewDelivery): Promise<DeliveryRow>;
  getDelivery(id: number): Promise<DeliveryRow | undefined>;
  /** Newest first. */
  listDeliveries(channelId: number, limit: number): Promise<DeliveryRow[]>;
  /** Pending deliveries whose next attempt is due, oldest first. */
  dueDeliveries(now: number, limit: number): Promise<DeliveryRow[]>;
  /**
   * Takes a pending delivery for one attempt: moves next_attempt_at from `seen` to `leaseUntil`
   * (so no other node sends it meanwhile). True for exactly one caller.
   */
  leaseDelivery(id: number, seen: number | null, leaseUntil: number): Promise<boolean>;
  finishAttempt(id: number, outcome: DeliveryOutcome): Promise<void>;

  getSetting(name: string): Promise<string | undefined>;
  putSetting(name: string, value: string, now: number): Promise<void>;
}

type Db = Kysely<Database>;

export class KyselyNotifyRepo implements NotifyRepo {
  constructor(
    private readonly db: Db,
    private readonly sealer: Sealer,
  ) {}

  async createChannel(c: NewChannel): Promise<ChannelRow> {
    const row = await this.db
      .insertInto('notify_channels')
      .values({
        account_id: c.accountId,
        kind: c.kind,
        name: c.name,
        url: c.url,
        to_list: JSON.stringify(c.to),
        events: JSON.stringify(c.events),
        enabled: c.enabled ? 1 : 0,
        secret_enc: c.secret === null ? null : this.sealer.seal(c.secret),
        secret_hint: c.secret === null ? null : c.secret.slice(-4),
        created_at: c.createdAt,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    return this.toChannel(row);
  }

  async getChannel(id: number, accountId?: number): Promise<ChannelRow | undefined> {
    if (!Number.isSafeInteger(id)) return undefined;
    let q = this.db.selectFrom('notify_channels').selectAll().where('id', '=', id);
    if (accountId !== undefined) q = q.where('account_id', '=', accountId);
    const row = await q.executeTakeFirst();
    return row && this.toChannel(row);
  }

  async listChannels(accountId: number): Promise<ChannelRow[]> {
    const rows = await this.db.selectFrom('notify_channels').selectAll().where('account_id', '=', accountId).orderBy('id').execute();
    return rows.map((r) => this.toChannel(r));
  }

  async updateChannel(id: number, accountId: number, p: ChannelPatch): Promise<ChannelRow | undefined> {
    const cols: Updateable<NotifyChannelsTable> = {};
    if (p.name !== undefined) cols.name = p.name;
    if (p.url !== undefined) cols.url = p.url;
    if (p.to !== undefined) cols.to_list = JSON.stringify(p.to);
    if (p.events !== undefined) cols.events = JSON.stringify(p.events);
    if (p.enabled !== undefined) cols.enabled = p.enabled ? 1 : 0;
    if (p.secret !== undefined && p.secret !== null) {
      cols.secret_enc = this.sealer.seal(p.secret);
      cols.secret_hint = p.secret.slice(-4);
    }
    if (Object.keys(cols).length > 0) {
      await this.db.updateTable('notify_channels').set(cols).where('id', '=', id).where('account_id', '=', accountId).execute();
    }
    return this.getChannel(id, accountId);
  }

  async removeChannel(id: number, accountId: number): Promise<boolean> {
    if (!Number.isSafeInteger(id)) return false;
    const r = await this.db.deleteFrom('notify_channels').where('id', '=', id).where('account_id', '=', accountId).executeTakeFirst();
    return Number(r.numDeletedRows) > 0;
  }

  async createDelivery(d: NewDelivery): Promise<DeliveryRow> {
    const row = await this.db
      .insertInto('notify_deliveries')
      .values({
        channel_id: d.channelId,
        event: d.event,
        instance_id: d.instanceId,
        payload: d.payload,
        status: 'pending',
        attempt: 0,
        response: null,
        error: null,
        attempts: '[]',
        created_at: d.createdAt,
        next_attempt_at: d.nextAttemptAt,
        delivered_at: null,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    return toDelivery(row);
  }

  async getDelivery(id: number): Promise<DeliveryRow | undefined> {
    const row = await this.db.selectFrom('notify_deliveries').selectAll().where('id', '=', id).executeTakeFirst();
    return row && toDelivery(row);
  }

  async listDeliveries(channelId: number, limit: number): Promise<DeliveryRow[]> {
    const rows = await this.db.selectFrom('notify_deliveries').selectAll().where('channel_id', '=', channelId).orderBy('id', 'desc').limit(limit).execute();
    return rows.map(toDelivery);
  }

  async dueDeliveries(now: number, limit: number): Promise<DeliveryRow[]> {
    const rows = await this.db
      .selectFrom('notify_deliveries')
      .selectAll()
      .where('status', '=', 'pending')
      .where('next_attempt_at', '<=', now)
      .orderBy('next_attempt_at')
      .orderBy('id')
      .limit(limit)
      .execute();
    return rows.map(toDelivery);
  }

  async leaseDelivery(id: number, seen: number | null, leaseUntil: number): Promise<boolean> {
    let q = this.db.updateTable('notify_deliveries').set({ next_attempt_at: leaseUntil }).where('id', '=', id).where('status', '=', 'pending');
    q = seen === null ? q.where('next_attempt_at', 'is', null) : q.where('next_attempt_at', '=', seen);
    const r = await q.executeTakeFirst();
    return Number(r.numUpdatedRows) === 1;
  }

  async finishAttempt(id: number, o: DeliveryOutcome): Promise<void> {
    await this.db
      .updateTable('notify_deliveries')
      .set({
        status: o.status,
        attempt: o.attempt,
        response: o.response,
        error: o.error,
        attempts: JSON.stringify(o.attempts),
        next_attempt_at: o.nextAttemptAt,
        delivered_at: o.deliveredAt,
      })
      .where('id', '=', id)
      .execute();
  }

  async getSetting(name: string): Promise<string | undefined> {
    const row = await this.db.selectFrom('settings').select('value').where('name', '=', name).executeTakeFirst();
    return row === undefined ? undefined : this.sealer.open(row.value);
  }

  async putSetting(name: string, value: string, now: number): Promise<void> {
    const sealed = this.sealer.seal(value);
    await this.db
      .insertInto('settings')
      .values({ name, value: sealed, updated_at: now })
      .onConflict((oc) => oc.column('name').doUpdateSet({ value: sealed, updated_at: now }))
      .execute();
  }

  private toChannel(r: Selectable<NotifyChannelsTable>): ChannelRow {
    return {
      id: Number(r.id),
      accountId: Number(r.account_id),
      kind: r.kind as ChannelKind,
      name: r.name,
      url: r.url,
      to: JSON.parse(r.to_list) as string[],
      events: JSON.parse(r.events) as NotifyEvent[],
      enabled: Number(r.enabled) === 1,
      secret: r.secret_enc === null ? null : this.sealer.open(r.secret_enc),
      secretHint: r.secret_hint,
      createdAt: Number(r.created_at),
    };
  }
}

function toDelivery(r: Selectable<NotifyDeliveriesTable>): DeliveryRow {
  const n = (v: number | null) => (v === null ? null : Number(v));
  return {
    id: Number(r.id),
    channelId: Number(r.channel_id),
    event: r.event as DeliveryEvent,
    instanceId: n(r.instance_id),
    payload: r.payload,
    status: r.status as DeliveryStatus,
    attempt: Number(r.attempt),
    response: r.response,
    error: r.error,
    attempts: JSON.parse(r.attempts) as DeliveryAttempt[],
    createdAt: Number(r.created_at),
    nextAttemptAt: n(r.next_attempt_at),
    deliveredAt: n(r.delivered_at),
  };
}
