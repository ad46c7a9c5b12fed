import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatDateTime } from './time.js';

// The reference is Intl itself, on instants around DST changes and odd offsets.
function reference(ms: number, timeZone: string): string {
  const parts: Record<string, string> = {};
  const f = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23' });
  for (const p of f.formatToParts(new Date(ms))) parts[p.type] = p.value;
  return `${parts.year}-${parts.month}-${parts.day} ${parts.hour}:${parts.minute}:${parts.second}`;
}

test('formatDateTime matches Intl across zones and DST changes', () => {
  const zones = ['Asia/Seoul', 'UTC', 'America/New_York', 'Europe/London', 'Australia/Lord_Howe', 'Asia/Kathmandu', 'America/St_Johns'];
  const starts = [Date.UTC(2026, 2, 8, 0), Date.UTC(2026, 9, 25, 0), Date.UTC(2026, 3, 5, 0), Date.UTC(2020, 11, 2, 14, 34, 54)];
  for (const tz of zones) {
    for (const start of starts) {
      for (let ms = start; ms < start + 36 * 3600_000; ms += 7 * 60_000 + 13_000) {
        assert.equal(formatDateTime(ms, tz), reference(ms, tz), `${tz} ${new Date(ms).toISOString()}`);
      }
    }
  }
  assert.equal(formatDateTime(Date.UTC(2020, 11, 2, 14, 34, 54), 'Asia/Seoul'), '2020-12-02 23:34:54');
  assert.equal(formatDateTime(Date.UTC(2020, 11, 2, 14, 34, 54), 'Asia/Seoul', '/'), '2020/12/02 23:34:54');
});
