/**
 * A clock and one-shot timers under the test's control, for code that takes
 * them injected (`{ now() }`, `{ set(fn, ms), clear(h) }`): advanceTo(t) runs
 * every timer due up to t at its own instant, in order, letting the promises
 * each one starts settle before the next.
 */
interface Pending { at: number; seq: number; fn: () => void }

const settle = async (): Promise<void> => {
  for (let i = 0; i < 5; i++) await new Promise<void>((r) => setImmediate(r));
};

export class FakeTime {
  private pending: Pending[] = [];
  private seq = 0;
  constructor(private t: number) {}

  now(): number { return this.t; }

  set(fn: () => void, ms: number): unknown {
    const p = { at: this.t + Math.max(0, ms), seq: this.seq++, fn };
    this.pending.push(p);
    return p;
  }

  clear(handle: unknown): void {
    this.pending = this.pending.filter((p) => p !== handle);
  }

  /** Timers still set. */
  get timers(): number { return this.pending.length; }

  async advanceTo(to: number, maxTimers = 1_000_000): Promise<void> {
    for (let i = 0; i < maxTimers; i++) {
      await settle();
      const next = this.pending.filter((p) => p.at <= to).sort((a, b) => a.at - b.at || a.seq - b.seq)[0];
      if (!next) break;
      this.clear(next);
      this.t = next.at;
      next.fn();
    }
    this.t = Math.max(this.t, to);
    await settle();
  }
}
