/**
 * Traps into the agent: the receiver (traps.ts) asks the sources which target
 * a trap belongs to (`claimsTrap` on each open instance); the claiming
 * instance reads it (`onTrap`). Readings it announces (a linkDown naming a
 * polled port) become `trap` events at once, and a trap that may have changed
 * something makes that target poll now to confirm. Nothing here knows a kind.
 * Loaded only when traps are configured.
 */
import type { Logger } from 'pino';
import type { TrapUser } from './config.ts';
import type { AgentMetrics } from './metrics.ts';
import type { Reading, SourceInstance } from './sources/types.ts';
import type { TrapCredential } from './snmp/types.ts';
import type { TrapRoute } from './traps.ts';
import type { Trigger } from './tracker.ts';

export interface OpenTarget { name: string; instance: SourceInstance }

/**
 * The route of a trap: the instance claiming its sender with the matching
 * credential, else the first (in config order) claiming its address alone.
 */
export function trapRouter(targets: () => Iterable<OpenTarget>): (address: string, credential: TrapCredential) => TrapRoute | null {
  return (address, credential) => {
    let best: OpenTarget | undefined;
    for (const t of targets()) {
      const claim = t.instance.onTrap ? t.instance.claimsTrap?.(address, credential) : null;
      if (claim === 'credential') { best = t; break; }
      if (claim === 'address') best ??= t;
    }
    if (!best) return null;
    const { name, instance } = best;
    return { target: name, handle: (n) => instance.onTrap!(n) };
  };
}

export interface TrapWiring {
  address: string;
  port: number;
  communities: readonly string[];
  users: readonly TrapUser[];
  targets: () => Iterable<OpenTarget>;
  log: Logger;
  now: () => number;
  metrics: AgentMetrics;
  ingest(target: string, readings: readonly Reading[], at: number, trigger?: Trigger): Promise<void>;
  triggerPoll(target: string): boolean;
}

export async function startTraps(w: TrapWiring): Promise<{ port: number; close(): Promise<void> }> {
  const { startTrapReceiver } = await import('./traps.ts');
  const rx = await startTrapReceiver({
    address: w.address, port: w.port, communities: w.communities, users: w.users, log: w.log, now: w.now, registry: w.metrics.registry,
    route: trapRouter(w.targets),
    async onTrap({ target, notification, outcome }) {
      w.metrics.trapsReceived.inc();
      if (outcome.readings.length) await w.ingest(target, outcome.readings, notification.receivedAt, 'trap');
      if (outcome.pollNow) w.triggerPoll(target);
    },
  });
  return { port: rx.port, close: () => rx.close() };
}
