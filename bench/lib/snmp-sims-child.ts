/**
 * Simulated switches for the fleet benchmark, in a process of their own so
 * their work is not counted as the polling agent's: N switches of the light
 * responder in fleet-sim.ts on 127.0.0.1, each on its own UDP port.
 * `flapping` of them take a port down or up every `flapEveryMs`, so a few
 * events flow through the agent's tracker, outbox and link during the
 * measurement, as in a real rack.
 *
 * Commands: start { switches, ports, flapping, flapEveryMs } → { ports: number[] }; mark / usage.
 */
import { startFleet } from './fleet-sim.ts';
import { serveRequests } from './child.ts';
import { startUsage } from './measure.ts';

let fleet: Awaited<ReturnType<typeof startFleet>> | null = null;
let flapper: NodeJS.Timeout | null = null;
let usage = startUsage(1000);

serveRequests({
  async start(a: { switches: number; ports: number; flapping: number; flapEveryMs: number }) {
    fleet = await startFleet({ switches: a.switches, ports: a.ports });
    // Ports 3, 6 and 10 of each flapping switch take turns, as sim/switch.ts's flapEveryMs does.
    const flappers = fleet.switches.slice(0, a.flapping);
    let turn = 0;
    if (flappers.length) {
      flapper = setInterval(() => {
        const row = [2, 5, 9][turn++ % 3]!;
        for (const s of flappers) s.flip(row);
      }, a.flapEveryMs);
    }
    return { ports: fleet.switches.map((s) => s.port) };
  },
  mark() { usage = startUsage(1000); },
  usage: () => usage.stop(),
}, async () => {
  if (flapper) clearInterval(flapper);
  await fleet?.close();
});
