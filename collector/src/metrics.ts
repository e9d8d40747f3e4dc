/**
 * Two registries (snmp_exporter style): self-metrics of the collector, and the
 * domain metrics of what it measured. `/metrics` serves both. Domain gauges are
 * computed at scrape time from in-memory state, so ingest never pays for them.
 * Labels are bounded: agent ids and subjects come from config or from
 * authenticated agents, never from free text.
 */
import client, { Registry, Counter, Gauge, Histogram } from 'prom-client';
import { BUILD_INFO_METRIC, dropLintFailingDefaults } from '@dcprobe/shared';
import { BUILD } from './build-info.ts';
import type { ChainHead, IngestStats } from './store/types.ts';

export interface SelfMetrics {
  registry: Registry;
  ingested: Counter<'outcome'>;
  ingestSeconds: Histogram<string>;
  frames: Counter<'outcome'>;
  authFailures: Counter<'reason'>;
  refused: Counter<'reason'>;
  connectionsRefused: Counter<'reason'>;
  storeFailures: Counter<'operation'>;
  agentConnected: Gauge<'agent'>;
  agentLastSeen: Gauge<'agent'>;
  agentClockOffset: Gauge<'agent'>;
  agentClockSkewed: Gauge<'agent'>;
  agentGaps: Counter<'agent'>;
  lostEvents: Counter<'agent'>;
  hiddenFlaps: Counter<'agent'>;
  helloQuarantined: Counter<'agent'>;
}

export function makeSelfMetrics(withProcess = true): SelfMetrics {
  const registry = new Registry();
  if (withProcess) {
    client.collectDefaultMetrics({ register: registry, prefix: 'dcprobe_collector_' });
    dropLintFailingDefaults(registry, 'dcprobe_collector_');
  }
  const r = [registry];
  new Gauge({ ...BUILD_INFO_METRIC, registers: r }).set({ version: BUILD.version, commit: BUILD.commit, node: BUILD.node }, 1);
  return {
    registry,
    ingested: new Counter({ name: 'dcprobe_collector_events_ingested_total', help: 'Agent events by outcome: accepted (committed), duplicate (already held), rejected (failed validation, kept in quarantine).', labelNames: ['outcome'], registers: r }),
    ingestSeconds: new Histogram({ name: 'dcprobe_collector_ingest_duration_seconds', help: 'Time from receiving an events frame to its durable commit (before the ack).', buckets: [0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1], registers: r }),
    frames: new Counter({ name: 'dcprobe_collector_frames_total', help: 'Agent frames by outcome (ok, bad_json, bad_message, too_large, not_hello).', labelNames: ['outcome'], registers: r }),
    refused: new Counter({ name: 'dcprobe_collector_events_refused_total', help: 'Valid agent events refused and kept as rejected events, by reason: foreign_subject (another agent owns it), future (at beyond the allowed clock skew), too_old (before the history horizon), subject_cap (agent at its subject limit), seq_conflict (a held seq sent again with other content).', labelNames: ['reason'], registers: r }),
    connectionsRefused: new Counter({ name: 'dcprobe_collector_connections_refused_total', help: 'Connections closed by a limit: total, per_ip, hello_timeout.', labelNames: ['reason'], registers: r }),
    storeFailures: new Counter({ name: 'dcprobe_collector_store_failures_total', help: 'Store writes that failed (the data was not acked or is retried): commit, hello, silence.', labelNames: ['operation'], registers: r }),
    authFailures: new Counter({ name: 'dcprobe_collector_agent_auth_failures_total', help: 'Refused agent connections by reason (no_token, bad_token).', labelNames: ['reason'], registers: r }),
    agentConnected: new Gauge({ name: 'dcprobe_agent_connected', help: '1 while the agent has an open, authenticated connection.', labelNames: ['agent'], registers: r }),
    agentLastSeen: new Gauge({ name: 'dcprobe_agent_last_seen_timestamp_seconds', help: 'When the collector last heard from the agent (Unix seconds).', labelNames: ['agent'], registers: r }),
    agentClockOffset: new Gauge({ name: 'dcprobe_agent_clock_offset_seconds', help: 'Collector clock minus agent clock at the last hello or heartbeat.', labelNames: ['agent'], registers: r }),
    agentClockSkewed: new Gauge({ name: 'dcprobe_agent_clock_skewed', help: '1 when the agent clock is off by more than clockSkewWarnSeconds.', labelNames: ['agent'], registers: r }),
    agentGaps: new Counter({ name: 'dcprobe_agent_gaps_total', help: 'Times an agent went silent past its heartbeat timeout (its subjects became unknown).', labelNames: ['agent'], registers: r }),
    hiddenFlaps: new Counter({ name: 'dcprobe_collector_hidden_flaps_total', help: 'Hidden flaps stored: a port down and up again between two polls, seen by its ifLastChange (evidence; no measured seconds).', labelNames: ['agent'], registers: r }),
    helloQuarantined: new Counter({ name: 'dcprobe_collector_hello_states_quarantined_total', help: 'Entries of agents\' hello states set aside as invalid (the rest of the hello stands).', labelNames: ['agent'], registers: r }),
    lostEvents: new Counter({ name: 'dcprobe_agent_lost_events_total', help: 'Events an agent reported dropped from its outbox before they were acked (outbox overflow).', labelNames: ['agent'], registers: r }),
  };
}

/** The ingest backlog (SQLite: the journal not yet projected) and what its projection found, read from the store at scrape time. */
export function trackIngest(m: SelfMetrics, stats: () => IngestStats): void {
  const r = [m.registry];
  new Gauge({
    name: 'dcprobe_collector_ingest_pending_events', registers: r,
    help: 'Events acked (durable in the ingest journal) but not yet in the observations table that SLA queries read; they wait for it.',
    collect() { this.set(stats().pending); },
  });
  new Counter({
    name: 'dcprobe_collector_projected_rows_total', labelNames: ['outcome'], registers: r,
    help: 'Journal rows the projection did not store as new: duplicate (already stored) or quarantined (refused by the table, kept in rejected_events).',
    collect() {
      const s = stats();
      this.reset();
      this.inc({ outcome: 'duplicate' }, s.duplicate);
      this.inc({ outcome: 'quarantined' }, s.quarantined);
    },
  });
}

/** The head's first 64 bits as two exact gauge values: `printf '%08x%08x' high low` gives its first 16 hex digits. */
export function headHalves(head: string): { high: number; low: number } {
  return { high: Number.parseInt(head.slice(0, 8), 16), low: Number.parseInt(head.slice(8, 16), 16) };
}

/**
 * The store's hash chain (docs/tamper-evidence.md) at scrape time, so that
 * Prometheus keeps a record of it that the store's administrator cannot
 * rewrite. The head is a value, not a label: a label would start a new series
 * with every link. Nothing is exported for a store that keeps no chain.
 */
export function trackChain(m: SelfMetrics, read: () => Promise<ChainHead | null>): void {
  const r = [m.registry];
  // One read per scrape for both gauges, so links and head are of the same link:
  // the registry starts every collect before it awaits any.
  let pending: Promise<ChainHead | null> | undefined;
  const head = () => (pending ??= read().finally(() => { pending = undefined; }));
  new Gauge({
    name: 'dcprobe_collector_store_chain_links', registers: r,
    help: "Links in the store's hash chain: the head link's number (verify-store's count while the chain is intact). It never falls; a fall means the store was cut back or replaced.",
    async collect() {
      const h = await head();
      this.reset();
      if (h) this.set(h.links);
    },
  });
  new Gauge({
    name: 'dcprobe_collector_store_chain_head', labelNames: ['half'], registers: r,
    help: "The hash chain's head, its first 64 bits as two 32-bit numbers: printf '%08x%08x' high low gives the first 16 hex digits verify-store prints. Changes only when links grow.",
    async collect() {
      const h = await head();
      this.reset();
      if (!h) return;
      const { high, low } = headHalves(h.head);
      this.set({ half: 'high' }, high);
      this.set({ half: 'low' }, low);
    },
  });
}
