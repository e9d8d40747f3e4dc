/**
 * Cron schedules shared by every target that uses the same expression: one
 * node-cron task per distinct expression, calling each subscriber. An agent
 * with 2,000 switches on the default rediscovery schedule keeps one task, not
 * 2,000 (each a runner, a timer and a dozen closures). Sources get it as
 * SourceDeps.schedule; the callbacks only raise flags, the poll loop does I/O.
 */
import cron from 'node-cron';
import type { ScheduledTask } from 'node-cron';
import type { Logger } from 'pino';

export interface Schedules {
  /** Calls `fn` on every match of `expression`; the returned function unsubscribes. */
  schedule(expression: string, fn: () => void): () => void;
  close(): void;
}

export function startSchedules(log: Logger): Schedules {
  const tasks = new Map<string, { task: ScheduledTask; fns: Set<() => void> }>();
  return {
    schedule(expression, fn) {
      let t = tasks.get(expression);
      if (!t) {
        const fns = new Set<() => void>();
        const task = cron.schedule(expression, () => { for (const f of fns) f(); }, {
          name: `schedule:${expression}`,
          // node-cron would print to the console; its few words go to our JSON log instead.
          logger: {
            info: (m) => log.debug({ cron: m, expression }, 'schedule'),
            warn: (m) => log.debug({ cron: m, expression }, 'schedule'),
            error: (m) => log.warn({ cron: String(m), expression }, 'schedule'),
            debug: () => {},
          },
        });
        t = { task, fns };
        tasks.set(expression, t);
      }
      const entry = t;
      entry.fns.add(fn);
      return () => {
        entry.fns.delete(fn);
        if (entry.fns.size === 0) { void entry.task.destroy(); tasks.delete(expression); }
      };
    },
    close() {
      for (const t of tasks.values()) void t.task.destroy();
      tasks.clear();
    },
  };
}

/** A schedule of its own, for a source opened without the agent's shared ones (probe, tests). */
export function ownSchedule(log: Logger): (expression: string, fn: () => void) => () => void {
  return (expression, fn) => {
    const s = startSchedules(log);
    s.schedule(expression, fn);
    return () => s.close();
  };
}
