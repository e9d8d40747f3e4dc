/**
 * Traps into the agent: the receiver (traps.ts) resolves a trap to a switch
 * target and a port; here a linkUp/linkDown that names a polled port becomes a
 * `trap` reading at once (the most precise time there is), and the switch is
 * polled right away to confirm it. A UPS's state traps (upsTrapOnBattery,
 * alarms) only trigger a confirming poll of the UPS targets at that address.
 * Loaded only when traps are configured.
 */
import type { Logger } from 'pino';
import type { TrapUser } from './config.ts';
import type { AgentMetrics } from './metrics.ts';
import type { Reading, SourceInstance, TargetBase } from './sources/types.ts';
import type { Trigger } from './tracker.ts';

export interface TrapWiring {
  address: string;
  port: number;
  communities: readonly string[];
  users: readonly TrapUser[];
  targets: readonly TargetBase[];
  instances: () => Iterable<SourceInstance>;
  log: Logger;
  now: () => number;
  metrics: AgentMetrics;
  ingest(target: string, readings: readonly Reading[], at: number, trigger?: Trigger): Promise<void>;
  triggerPoll(target: string): boolean;
}

export async function startTraps(w: TrapWiring): Promise<{ port: number; close(): Promise<void> }> {
  const [{ startTrapReceiver }, { trapTargets, normAddress }, { upsTrapTargets }] = await Promise.all([
    import('./traps.ts'), import('./sources/snmp-switch.ts'), import('./sources/snmp-ups.ts'),
  ]);
  const switches = trapTargets(w.instances);
  const upsHosts = new Set(w.targets.filter((t) => t.kind === 'snmp-ups').map((t) => normAddress((t as TargetBase & { host: string }).host)));
  const rx = await startTrapReceiver({
    address: w.address, port: w.port, communities: w.communities, users: w.users, log: w.log, now: w.now, registry: w.metrics.registry,
    switches: {
      resolve(address, credential) {
        const sw = switches.resolve(address, credential);
        if (sw || !upsHosts.has(normAddress(address))) return sw;
        // A UPS: let its trap through to onTrap; it names no port.
        return { target: `ups@${address}`, map: () => ({ subject: null, ifName: null }), restarted() {} };
      },
    },
    async onTrap(evt) {
      w.metrics.trapsReceived.inc();
      if (evt.subject && evt.state) {
        await w.ingest(evt.target, [{
          subject: evt.subject, kind: 'port', state: evt.state, via: 'trap',
          evidence: { trap: evt.kind, trapOid: evt.trapOid, ifIndex: evt.ifIndex, from: evt.from },
        }], evt.receivedAt, 'trap');
      }
      const ups = evt.trapOid ? upsTrapTargets(evt.from, evt.trapOid) : [];
      if (ups.length) for (const t of ups) w.triggerPoll(t);
      else w.triggerPoll(evt.target);
    },
  });
  return { port: rx.port, close: () => rx.close() };
}
