/**
 * The moving parts of a fault scenario: real agent processes, each polling its own
 * simulated switch (agent/src/sim/switch.ts, as `npm start` runs it) and taking its traps,
 * while the test flips random ports so every agent streams state changes; protocol clients
 * for a fleet larger than processes allow; and the final count of what reached the store.
 *
 * Randomness comes from one seeded generator (DCPROBE_FAULT_SEED reproduces a run); every
 * scenario prints its seed.
 */
import { startSimSwitch, type SimSwitch } from '../../../agent/src/sim/switch.ts';
import { SwitchAgent } from './switch-agent.ts';
import type { CollectorProcess } from '../fixtures/collector-process.ts';
import { freeUdpPort } from '../../support/ports.ts';
import { sleep, waitUntil } from '../../support/wait.ts';
import { ProtocolAgent } from './protocol-agent.ts';
import { reportAndCheck, type Delivery } from './delivery.ts';

export interface AgentSpec { id: string; token: string }

export function agentSpecs(prefix: string, n: number): AgentSpec[] {
  return Array.from({ length: n }, (_, i) => {
    const id = `${prefix}-${String(i + 1).padStart(3, '0')}`;
    return { id, token: `fault-suite-token-${id}` };
  });
}

/** mulberry32: small, seedable, good enough to pick moments and ports. */
export function random(seed = Number(process.env.DCPROBE_FAULT_SEED ?? Date.now() % 2 ** 31)): { seed: number; next(): number; between(a: number, b: number): number } {
  let s = seed >>> 0;
  const next = (): number => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
  return { seed, next, between: (a, b) => a + next() * (b - a) };
}

const PORTS_PER_SWITCH = 24;

export class Fleet {
  readonly agents: SwitchAgent[] = [];
  readonly switches: SimSwitch[] = [];
  readonly clients: ProtocolAgent[] = [];
  private flapper: NodeJS.Timeout | undefined;
  private bursts: NodeJS.Timeout | undefined;

  private constructor(private readonly rnd: ReturnType<typeof random>) {}

  /** One simulated switch and one agent process per spec, all started. */
  static async start(o: {
    dir: string; collector: CollectorProcess; agents: readonly AgentSpec[]; clients?: readonly AgentSpec[]; rnd: ReturnType<typeof random>;
    /** The agents' collector list when it is not just `collector` (several collectors on one store). */
    collectors?: readonly string[];
  }): Promise<Fleet> {
    const f = new Fleet(o.rnd);
    try {
      for (const spec of o.agents) {
        const trapPort = await freeUdpPort();
        const sw = await startSimSwitch({ port: 0, ports: PORTS_PER_SWITCH, trapTo: { host: '127.0.0.1', port: trapPort, community: 'public' } });
        f.switches.push(sw);
        f.agents.push(new SwitchAgent({ dir: o.dir, agentId: spec.id, token: spec.token, collector: o.collectors ?? o.collector.wsUrl, switchPort: sw.port, trapPort }));
      }
      await Promise.all(f.agents.map((a) => a.start()));
      for (const spec of o.clients ?? []) f.clients.push(new ProtocolAgent({ id: spec.id, token: spec.token, url: o.collector.wsUrl }));
      for (const c of f.clients) c.start();
      return f;
    } catch (e) {
      await f.stop();
      throw e;
    }
  }

  /** Every `everyMs`, one random port of every switch changes state (a trap, then a poll, see it). */
  startFlapping(everyMs = 50): void {
    this.flapper = setInterval(() => {
      for (const sw of this.switches) {
        const x = sw.interfaces()[Math.floor(this.rnd.next() * PORTS_PER_SWITCH)]!;
        void sw.setOper(x.ifName, x.oper === 'up' ? 'down' : 'up');
      }
    }, everyMs);
  }

  /** Every `everyMs`, each protocol client produces a burst of `events`. */
  startBursts(events: number, everyMs = 100): void {
    this.bursts = setInterval(() => { for (const c of this.clients) c.produce(events); }, everyMs);
  }

  /** Stops every source of new events and waits for the last polls and traps to land. */
  async quiesce(): Promise<void> {
    clearInterval(this.flapper);
    clearInterval(this.bursts);
    await sleep(2500); // one poll interval (1 s) and a trap's way, twice
  }

  /** Every agent's outbox fully acked and unchanged over a second: nothing left to deliver. */
  async waitDelivered(timeoutMs = 90_000): Promise<void> {
    let last = '';
    await waitUntil('every agent\'s events acked by the collector', async () => {
      const outboxes = await Promise.all(this.agents.map(async (a) => ({ id: a.agentId, ...(await a.outbox()) })));
      const behind = [
        ...outboxes.filter((o) => o.acked < o.produced),
        ...this.clients.filter((c) => c.pending > 0).map((c) => ({ id: c.id, acked: c.acked, produced: c.produced })),
      ];
      const now = outboxes.map((o) => `${o.id}:${o.produced}`).join(' ');
      const steady = now === last;
      last = now;
      if (behind.length || !steady) {
        throw new Error(`still waiting: ${behind.slice(0, 6).map((b) => `${b.id} acked ${b.acked} of ${b.produced}`).join(', ')}${behind.length > 6 ? ` … ${behind.length} in all` : ''}`);
      }
      return true;
    }, { timeoutMs, intervalMs: 1000 });
  }

  /** What each agent produced: processes from their outboxes on disk, clients from their logs. */
  async produced(): Promise<Map<string, number>> {
    const m = new Map<string, number>();
    for (const a of this.agents) m.set(a.agentId, (await a.outbox()).produced);
    for (const c of this.clients) m.set(c.id, c.produced);
    return m;
  }

  async stop(): Promise<void> {
    clearInterval(this.flapper);
    clearInterval(this.bursts);
    for (const c of this.clients) c.stop();
    await Promise.all(this.agents.map((a) => a.stop()));
    for (const sw of this.switches) await sw.close();
  }

  /**
   * The end of every scenario: quiesce, wait for delivery, stop the agents and, after a
   * read that waits for the store to hold every acked event, the collector; then count.
   */
  async finish(scenario: string, collector: CollectorProcess): Promise<Delivery[]> {
    await this.quiesce();
    // Counted even when delivery stalls: the counts say more than the timeout.
    const stalled = await this.waitDelivered().then(() => undefined, (e: unknown) => e);
    for (const c of this.clients) c.stop();
    await Promise.all(this.agents.map((a) => a.stop()));
    const produced = await this.produced();
    await collector.settle();
    await collector.stop();
    const ds = reportAndCheck(scenario, produced, collector.database);
    if (stalled) throw stalled;
    return ds;
  }
}
