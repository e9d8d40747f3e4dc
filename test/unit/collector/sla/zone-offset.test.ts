// The reconciler formats many instants, so shared zoneOffsetMinutes caches offsets
// per hour; this checks the cache against Intl directly around real transitions.
import { describe, expect, it } from 'vitest';
import { zoneOffsetMinutes } from '@dcprobe/shared';

function intlOffset(ms: number, tz: string): number {
  const f = new Intl.DateTimeFormat('en-US', {
    timeZone: tz, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit',
    hour: '2-digit', minute: '2-digit', second: '2-digit',
  });
  const p = Object.fromEntries(f.formatToParts(new Date(ms)).map((x) => [x.type, x.value]));
  return Math.round((Date.UTC(+p.year!, +p.month! - 1, +p.day!, +p.hour!, +p.minute!, +p.second!) - Math.floor(ms / 1000) * 1000) / 60_000);
}

describe('zoneOffsetMinutes (cached) agrees with Intl', () => {
  it.each([
    ['Europe/Berlin', Date.UTC(2026, 2, 29, 0)],      // spring forward 01:00Z
    ['Europe/Berlin', Date.UTC(2026, 9, 25, 0)],      // fall back 01:00Z
    ['America/New_York', Date.UTC(2026, 2, 8, 5)],    // 07:00Z
    ['America/New_York', Date.UTC(2026, 10, 1, 4)],   // 06:00Z
    ['Australia/Lord_Howe', Date.UTC(2026, 3, 4, 13)], // 30-minute shift, mid-hour in UTC
    ['Asia/Kathmandu', Date.UTC(2026, 0, 1, 0)],
  ])('%s around %d', (tz, from) => {
    // Every 7 minutes and 13 seconds over 4 hours, twice: cold and warm cache.
    for (let pass = 0; pass < 2; pass++) {
      for (let t = from; t < from + 4 * 3_600_000; t += 433_000) {
        expect(zoneOffsetMinutes(t, tz), new Date(t).toISOString()).toBe(intlOffset(t, tz));
      }
    }
  });

  it.each(['America/Santiago', 'Asia/Tehran', 'Australia/Lord_Howe', 'Europe/Dublin', 'Pacific/Chatham'])(
    '%s at 400 random instants 1990-2040',
    (tz) => {
      let seed = 11;
      const next = (): number => { seed = (seed * 1103515245 + 12345) % 2147483648; return seed / 2147483648; };
      const from = Date.UTC(1990, 0, 1), span = Date.UTC(2040, 0, 1) - from;
      for (let i = 0; i < 400; i++) {
        const t = from + Math.floor(next() * span);
        expect(zoneOffsetMinutes(t, tz), new Date(t).toISOString()).toBe(intlOffset(t, tz));
      }
    },
  );
});
