/**
 * The agent's self-metrics, in their own registry (snmp_exporter keeps its
 * own apart from the targets' readings). Labels are bounded: target names come
 * from the config, codes from the error catalogue, via from SEEN_VIA.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { BUILD_INFO_METRIC, dropLintFailingDefaults } from '@dcprobe/shared';
import { BUILD } from './build-info.ts';
import type { Logger } from 'pino';
import { splitHostPort } from './config.ts';
import { powerGauges, type PowerGauges } from './power-metrics.ts';

export interface OutboxView { held: number; ratio: number; unsavedCount: number }

export interface AgentMetrics {
  registry: Registry;
  pollDuration: Histogram<'target'>;
  pollErrors: Counter<'target' | 'code'>;
  eventsTotal: Counter<'via'>;
  readingsRejected: Counter<'target'>;
  outboxDropped: Counter;
  outboxWriteFailures: Counter;
  outboxQuarantined: Counter;
  outboxLost: Counter;
  trapsReceived: Counter;
  linkConnected: Gauge;
  snmpMaxRepetitions: Gauge<'target'>;
  /** UPS battery charge, runtime and load from each poll's readings. */
  power: PowerGauges;
  /** The outbox gauges read this at scrape time. */
  watchOutbox(o: OutboxView): void;
}

export function createMetrics(opts: { processMetrics?: boolean } = {}): AgentMetrics {
  const registry = new Registry();
  if (opts.processMetrics !== false) {
    collectDefaultMetrics({ register: registry });
    dropLintFailingDefaults(registry);
  }
  let outbox: OutboxView = { held: 0, ratio: 0, unsavedCount: 0 };
  const registers = [registry];
  new Gauge({ ...BUILD_INFO_METRIC, registers }).set({ version: BUILD.version, commit: BUILD.commit, node: BUILD.node }, 1);
  new Gauge({
    name: 'dcprobe_agent_outbox_events', help: 'Events in the outbox not yet acked by a collector.', registers,
    collect() { this.set(outbox.held); },
  });
  new Gauge({
    name: 'dcprobe_agent_outbox_bound_ratio', help: 'Outbox fill as a fraction of outbox.maxEvents.', registers,
    collect() { this.set(outbox.ratio); },
  });
  new Gauge({
    name: 'dcprobe_agent_outbox_unsaved_events', registers,
    help: 'Events numbered but held in memory because the outbox cannot write them (disk full); not sent, and lost if the agent stops.',
    collect() { this.set(outbox.unsavedCount); },
  });
  return {
    registry,
    pollDuration: new Histogram({
      name: 'dcprobe_agent_poll_duration_seconds', help: 'Duration of one poll of a target, failed or not.',
      labelNames: ['target'], buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30], registers,
    }),
    pollErrors: new Counter({
      name: 'dcprobe_agent_poll_errors_total', help: 'Polls that failed, by error code.', labelNames: ['target', 'code'], registers,
    }),
    eventsTotal: new Counter({
      name: 'dcprobe_agent_events_total', help: 'State changes given a seq by the outbox (written, or held unsaved while the disk refuses them), by how they were seen.', labelNames: ['via'], registers,
    }),
    readingsRejected: new Counter({
      name: 'dcprobe_agent_readings_rejected_total', help: 'Readings with a state outside the vocabulary of their kind.',
      labelNames: ['target'], registers,
    }),
    outboxDropped: new Counter({
      name: 'dcprobe_agent_outbox_dropped_events_total', help: 'Unacked events given up because the outbox was full.', registers,
    }),
    outboxWriteFailures: new Counter({
      name: 'dcprobe_agent_outbox_write_failures_total', help: 'Outbox writes of events the disk refused (full, I/O error), retries included.', registers,
    }),
    outboxQuarantined: new Counter({
      name: 'dcprobe_agent_outbox_quarantined_records_total', help: 'Unreadable outbox records copied to quarantine.jsonl.', registers,
    }),
    outboxLost: new Counter({
      name: 'dcprobe_agent_outbox_lost_events_total',
      help: 'Seqs found lost from the outbox (damaged, cut off, or never saved before a stop); the collector is told at the next hello.', registers,
    }),
    trapsReceived: new Counter({ name: 'dcprobe_agent_traps_received_total', help: 'SNMP traps received.', registers }),
    linkConnected: new Gauge({
      name: 'dcprobe_agent_link_connected', help: '1 while a collector has welcomed this agent, else 0.', registers,
    }),
    snmpMaxRepetitions: new Gauge({
      name: 'dcprobe_agent_snmp_max_repetitions',
      help: 'GETBULK max-repetitions the agent asks of an SNMP target now (halved for a device that does not answer larger requests); 0: walks with GETNEXT.',
      labelNames: ['target'], registers,
    }),
    power: powerGauges(registry),
    watchOutbox(o) { outbox = o; },
  };
}

export interface MetricsServer { host: string; port: number; close(): Promise<void> }

/** Serves `/metrics` on HOST:PORT (port 0 picks a free one, for tests). */
export async function serveMetrics(listen: string, registry: Registry, log: Logger): Promise<MetricsServer> {
  const { host, port } = splitHostPort(listen);
  const server = createServer((req, res) => {
    if (req.method !== 'GET' || (req.url ?? '').split('?')[0] !== '/metrics') {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
      return;
    }
    registry.metrics().then(
      (text) => res.writeHead(200, { 'content-type': registry.contentType }).end(text),
      (err: unknown) => { log.error({ err }, 'metrics: collect failed'); res.writeHead(500).end(); },
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => { server.off('error', reject); resolve(); });
  });
  const addr = server.address() as AddressInfo;
  return {
    host: addr.address, port: addr.port,
    close: () => new Promise((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}
