import { describe, expect, it } from 'vitest';
import cron from 'node-cron';
import { startSchedules } from '../../../agent/src/sources/schedules.ts';
import { silentLogger } from '../../../agent/src/log.ts';

describe('shared schedules', () => {
  it('one task per expression, every subscriber called; the last to leave ends it', async () => {
    const s = startSchedules(silentLogger);
    const calls = { a: 0, b: 0 };
    const tasksBefore = cron.getTasks().size;
    const offA = s.schedule('* * * * * *', () => { calls.a++; });
    const offB = s.schedule('* * * * * *', () => { calls.b++; });
    expect(cron.getTasks().size).toBe(tasksBefore + 1);
    await new Promise((r) => setTimeout(r, 1_200));
    expect(calls.a).toBeGreaterThanOrEqual(1);
    expect(calls.b).toBe(calls.a);
    offA();
    expect(cron.getTasks().size).toBe(tasksBefore + 1);
    offB();
    expect(cron.getTasks().size).toBe(tasksBefore);
    s.close();
  });
});
