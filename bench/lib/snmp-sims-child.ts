/**
 * Simulated switches for the fleet benchmark, in a process of their own so
 * their work (net-snmp's agent answering every poll) is not counted as the
 * polling agent's: N agent/src/sim/switch.ts instances on 127.0.0.1, each on
 * its own UDP port. `flapping` of them take a port down or up every
 * `flapEveryMs`, so a few events flow through the agent's tracker, outbox
 * and link during the measurement, as in a real rack.
 *
 * Commands: start { switches, ports, flapping, flapEveryMs } → { ports: number[] }; mark / usage.
 */
import { startSimSwitch, type SimSwitch } from '../../agent/src/sim/switch.ts';
import { serveRequests } from './child.ts';
import { startUsage } from './measure.ts';

const sims: SimSwitch[] = [];
let usage = startUsage(1000);

serveRequests({
  async start(a: { switches: number; ports: number; flapping: number; flapEveryMs: number }) {
    for (let i = 0; i < a.switches; i++) {
      sims.push(await startSimSwitch({ ports: a.ports, ...(i < a.flapping ? { flapEveryMs: a.flapEveryMs } : {}) }));
    }
    return { ports: sims.map((s) => s.port) };
  },
  mark() { usage = startUsage(1000); },
  usage: () => usage.stop(),
}, async () => {
  await Promise.all(sims.map((s) => s.close()));
});
