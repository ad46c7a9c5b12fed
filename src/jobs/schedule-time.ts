// When a schedule runs: its cron expression (given, or compiled from Every/At/Weekday/MonthDay)
// read in its IANA time zone by croner. Only the 5-field form "m h dom mon dow" is accepted, with
// day-of-month and day-of-week OR-ed as in Vixie cron.
import { Cron } from 'croner';
import type { ScheduleSpec } from './schedule-store.js';

export function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

/** The effective cron expression of a spec, or why there is none (naming the field). */
export function compileSpec(spec: ScheduleSpec): { cron: string } | { field: string; error: string } {
  const hasCron = spec.Cron !== undefined;
  const hasEvery = spec.Every !== undefined;
  if (hasCron === hasEvery) return { field: hasCron ? 'Every' : 'Cron', error: 'give exactly one of Cron and Every' };
  if (hasCron) {
    if (spec.At !== undefined || spec.Weekday !== undefined || spec.MonthDay !== undefined) {
      return { field: spec.At !== undefined ? 'At' : spec.Weekday !== undefined ? 'Weekday' : 'MonthDay', error: 'At, Weekday and MonthDay go with Every, not Cron' };
    }
    const cron = (spec.Cron as string).trim().replace(/\s+/g, ' ');
    if (cron.split(' ').length !== 5) return { field: 'Cron', error: 'a cron expression has 5 fields: minute hour day-of-month month day-of-week' };
    try {
      new Cron(cron, { paused: true, mode: '5-part' });
    } catch (err) {
      return { field: 'Cron', error: err instanceof Error ? err.message.replace(/^CronPattern: /, '') : String(err) };
    }
    return { cron };
  }
  const [h, m] = (spec.At ?? '00:00').split(':').map(Number) as [number, number];
  if (spec.Every !== 'weekly' && spec.Weekday !== undefined) return { field: 'Weekday', error: 'Weekday goes with Every "weekly"' };
  if (spec.Every !== 'monthly' && spec.MonthDay !== undefined) return { field: 'MonthDay', error: 'MonthDay goes with Every "monthly"' };
  switch (spec.Every) {
    case 'daily':
      return { cron: `${m} ${h} * * *` };
    case 'weekly':
      return { cron: `${m} ${h} * * ${spec.Weekday ?? 0}` };
    default:
      return { cron: `${m} ${h} ${spec.MonthDay ?? 1} * *` };
  }
}

/** The first run strictly after `after` (epoch ms), or null when the expression has none. */
export function nextRunAfter(cron: string, timeZone: string, after: number): number | null {
  const next = new Cron(cron, { paused: true, mode: '5-part', timezone: timeZone }).nextRun(new Date(after));
  return next ? next.getTime() : null;
}
