/**
 * The configured agents as the NOC sees them. Only the config's agents can
 * connect (their tokens are the only ones accepted), so they, and only they,
 * have agent series:
 *  - an agent in the config that never connected gets `dcprobe_agent_connected 0`
 *    from the start; without the series `DcprobeAgentDown` could not fire for it;
 *  - an agent the store remembers but the config no longer lists (decommissioned)
 *    loses its series, or it would alert forever for a host that is gone.
 */
import type { SelfMetrics } from './metrics.ts';
import type { Liveness } from './ingest/liveness.ts';

export interface AgentsHealth {
  configured: number;
  connected: number;
  /** Configured agents that have not once connected in this store's life, sorted. */
  neverConnected: string[];
}

/** Call once at start, after the Liveness has loaded the store's agents and before any connects. */
export function exportConfiguredAgents(configured: readonly string[], remembered: readonly string[], m: SelfMetrics): void {
  const keep = new Set(configured);
  for (const id of remembered) {
    if (keep.has(id)) continue;
    m.agentConnected.remove({ agent: id });
    m.agentLastSeen.remove({ agent: id });
  }
  for (const id of configured) m.agentConnected.set({ agent: id }, 0);
}

export function agentsHealth(configured: readonly string[], liveness: Pick<Liveness, 'status'>): AgentsHealth {
  let connected = 0;
  const neverConnected: string[] = [];
  for (const id of configured) {
    const s = liveness.status(id);
    if (s === 'connected') connected++;
    else if (s === 'never') neverConnected.push(id);
  }
  return { configured: configured.length, connected, neverConnected: neverConnected.sort() };
}
