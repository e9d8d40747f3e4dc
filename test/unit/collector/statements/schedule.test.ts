/**
 * Month-end scheduling under a fake clock: statements fire exactly at the end
 * of each month in each customer zone, across the DST months of Europe/Berlin
 * (March 743 h, October 745 h) and at Asia/Shanghai's midnight; never early,
 * never twice; a restart catches up on month ends missed while down; a failed
 * freeze is retried and the watermark does not pass it.
 */
import { describe, expect, it } from 'vitest';
import { formatInstant } from '@dcprobe/shared';
import { MonthEndScheduler, monthsEndedBetween, type MonthEnd } from '../../../../collector/src/statements/schedule.ts';
import { FakeTime } from '../../../support/fake-time.ts';

const H = 3_600_000;
const t = (s: string) => Date.parse(s);
const show = (m: MonthEnd, firedAt: number) => `${m.timezone} ${m.month} ${(m.end - m.start) / H}h end ${formatInstant(m.end, m.timezone)} fired ${new Date(firedAt).toISOString()}`;

function scheduler(time: FakeTime, zones: string[], since: number, extra: { delayMs?: number; fail?: (m: MonthEnd) => boolean } = {}) {
  const fired: string[] = [], errors: string[] = [];
  const s = new MonthEndScheduler({
    clock: time, timers: time, timezones: () => zones, since, delayMs: extra.delayMs,
    onMonthEnd: async (m) => {
      await Promise.resolve();
      if (extra.fail?.(m)) throw new Error('store unavailable');
      fired.push(show(m, time.now()));
    },
    onError: (_e, m) => { errors.push(`${m.timezone} ${m.month} at ${new Date(time.now()).toISOString()}`); },
  });
  return { s, fired, errors };
}

describe('month-end scheduler', () => {
  it('fires at each month end in Berlin across March\'s DST change and in Shanghai, in order, never early', async () => {
    const time = new FakeTime(t('2027-03-15T12:00:00Z'));
    const { s, fired } = scheduler(time, ['Europe/Berlin', 'Asia/Shanghai'], time.now());
    s.start();
    await time.advanceTo(t('2027-03-31T15:59:59.999Z'));
    expect(fired).toEqual([]);
    await time.advanceTo(t('2027-05-01T00:00:00Z'));
    expect(fired).toEqual([
      'Asia/Shanghai 2027-03 744h end 2027-04-01T00:00:00+08:00 fired 2027-03-31T16:00:00.000Z',
      'Europe/Berlin 2027-03 743h end 2027-04-01T00:00:00+02:00 fired 2027-03-31T22:00:00.000Z',
      'Asia/Shanghai 2027-04 720h end 2027-05-01T00:00:00+08:00 fired 2027-04-30T16:00:00.000Z',
      'Europe/Berlin 2027-04 720h end 2027-05-01T00:00:00+02:00 fired 2027-04-30T22:00:00.000Z',
    ]);
    s.stop();
    expect(time.timers).toBe(0);
  });

  it('fires October\'s 745-hour Berlin month at its end, one hour later in UTC than September\'s', async () => {
    const time = new FakeTime(t('2026-09-20T00:00:00Z'));
    const { s, fired } = scheduler(time, ['Europe/Berlin'], time.now());
    s.start();
    await time.advanceTo(t('2026-11-15T00:00:00Z'));
    expect(fired).toEqual([
      'Europe/Berlin 2026-09 720h end 2026-10-01T00:00:00+02:00 fired 2026-09-30T22:00:00.000Z',
      'Europe/Berlin 2026-10 745h end 2026-11-01T00:00:00+01:00 fired 2026-10-31T23:00:00.000Z',
    ]);
    s.stop();
  });

  it('waits the configured delay after the month end', async () => {
    const time = new FakeTime(t('2026-11-20T00:00:00Z'));
    const { s, fired } = scheduler(time, ['Asia/Shanghai'], time.now(), { delayMs: 2 * H });
    s.start();
    await time.advanceTo(t('2026-11-30T17:59:59Z'));
    expect(fired).toEqual([]);
    await time.advanceTo(t('2026-12-02T00:00:00Z'));
    expect(fired).toEqual(['Asia/Shanghai 2026-11 720h end 2026-12-01T00:00:00+08:00 fired 2026-11-30T18:00:00.000Z']);
    s.stop();
  });

  it('catches up at start on month ends missed while down, and fires none twice', async () => {
    const time = new FakeTime(t('2027-02-10T00:00:00Z'));
    const first = scheduler(time, ['Asia/Shanghai'], t('2026-12-20T00:00:00Z'));
    first.s.start();
    await time.advanceTo(time.now());
    expect(first.fired).toEqual([
      'Asia/Shanghai 2026-12 744h end 2027-01-01T00:00:00+08:00 fired 2027-02-10T00:00:00.000Z',
      'Asia/Shanghai 2027-01 744h end 2027-02-01T00:00:00+08:00 fired 2027-02-10T00:00:00.000Z',
    ]);
    first.s.stop();
    const again = scheduler(time, ['Asia/Shanghai'], first.s.watermark);
    again.s.start();
    await time.advanceTo(t('2027-02-27T00:00:00Z'));
    expect(again.fired).toEqual([]);
    again.s.stop();
  });

  it('retries a month end whose freeze failed, and keeps the watermark before it', async () => {
    const time = new FakeTime(t('2026-11-29T00:00:00Z'));
    let failing = true;
    const { s, fired, errors } = scheduler(time, ['Asia/Shanghai'], time.now(), { fail: () => failing });
    s.start();
    await time.advanceTo(t('2026-11-30T16:07:00Z'));
    expect(errors).toEqual(['Asia/Shanghai 2026-11 at 2026-11-30T16:00:00.000Z', 'Asia/Shanghai 2026-11 at 2026-11-30T16:05:00.000Z']);
    expect(s.watermark).toBeLessThan(t('2026-11-30T16:00:00Z'));
    failing = false;
    await time.advanceTo(t('2026-12-05T00:00:00Z'));
    expect(fired).toEqual(['Asia/Shanghai 2026-11 720h end 2026-12-01T00:00:00+08:00 fired 2026-11-30T16:10:00.000Z']);
    s.stop();
  });

  it('after a failure part-way through a catch-up, fires only what is left', async () => {
    const time = new FakeTime(t('2027-02-10T00:00:00Z'));
    let failing = true;
    const { s, fired, errors } = scheduler(time, ['Asia/Shanghai'], t('2026-12-20T00:00:00Z'), { fail: (m) => failing && m.month === '2027-01' });
    s.start();
    await time.advanceTo(time.now());
    expect([fired.length, errors]).toEqual([1, ['Asia/Shanghai 2027-01 at 2027-02-10T00:00:00.000Z']]);
    failing = false;
    await time.advanceTo(t('2027-02-11T00:00:00Z'));
    expect(fired.map((f) => f.split(' fired')[0])).toEqual([
      'Asia/Shanghai 2026-12 744h end 2027-01-01T00:00:00+08:00',
      'Asia/Shanghai 2027-01 744h end 2027-02-01T00:00:00+08:00',
    ]);
    s.stop();
  });

  it('lists the months that ended between two instants, ends exclusive of the start', () => {
    const tz = 'Europe/Berlin';
    const list = monthsEndedBetween(t('2026-10-31T23:00:00Z'), t('2027-01-01T00:00:00Z'), tz).map((m) => m.month);
    expect(list).toEqual(['2026-11', '2026-12']); // October's end is the start instant: already handled
    expect(monthsEndedBetween(t('2026-10-31T22:59:59Z'), t('2026-10-31T23:00:00Z'), tz).map((m) => m.month)).toEqual(['2026-10']);
  });
});
