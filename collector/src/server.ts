/**
 * The whole collector, assembled in one place: the store, the ingest queue
 * and agent liveness, the SLA ledger (config customers synced into it at
 * start), the metrics (self, domain, SLA), and one HTTP(S) listener for the
 * API, the report page, /metrics, /healthz and the agents' WebSocket (/agent).
 * `dcprobe-collector run`, the tests and a programmatic user all get the same.
 */
import http from 'node:http';
import https from 'node:https';
import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import { AGENT_WS_PATH } from '@dcprobe/shared';
import type { CollectorConfig } from './config.ts';
import type { Store } from './store/types.ts';
import { openStore } from './store/open.ts';
import { describeDatabase } from './lib/database-url.ts';
import { IngestQueue } from './ingest/queue.ts';
import { Liveness } from './ingest/liveness.ts';
import { acceptAgents } from './ingest/endpoint.ts';
import { SlaLedger } from './ledger/index.ts';
import { makeSelfMetrics, trackIngest, type SelfMetrics } from './metrics.ts';
import { makeDomainMetrics } from './domain-metrics.ts';
import { SlaMetrics } from './sla-metrics.ts';
import { agentsHealth, exportConfiguredAgents } from './agent-health.ts';
import { compile, sendJson, sendText, type Route } from './http/router.ts';
import { makeApiAuth } from './http/auth.ts';
import { apiRoutes } from './api/index.ts';
import { reportPageRoutes } from './report/routes.ts';
import { makeLogger } from './log.ts';

export interface CollectorHandle {
  url: string;
  wsUrl: string;
  port: number;
  store: Store;
  ingest: IngestQueue;
  liveness: Liveness;
  /** The SLA ledger the API, the page and the SLA metrics read. */
  sla: SlaLedger;
  slaMetrics: SlaMetrics;
  metrics: SelfMetrics;
  config: Readonly<CollectorConfig>;
  metricsText(): Promise<string>;
  /** Resolves once every event acked so far is readable as observations (Store.settled). */
  settled(): Promise<void>;
  close(): Promise<void>;
}

export interface StartOptions {
  log?: Logger;
  now?: () => number;
  /** Process metrics off in tests that start many collectors. */
  processMetrics?: boolean;
  synchronous?: 'FULL' | 'NORMAL';
  /** Committed events beyond which commits wait until they are readable (SQLite default: store/sqlite/writer.ts MAX_PENDING). */
  maxPending?: number;
  /**
   * Fault injection for tests: commit but never ack (as if killed between the
   * two); leave acked events in the journal until a read or the bound needs them.
   */
  faults?: { dropAcks?: boolean; holdProjection?: boolean };
}

export async function startCollector(config: Readonly<CollectorConfig>, opts: StartOptions = {}): Promise<CollectorHandle> {
  const log = opts.log ?? makeLogger(config.logLevel);
  const now = opts.now ?? Date.now;
  const store = await openStore(config.database, {
    log, startupTimeoutMs: config.databaseWaitSeconds * 1000,
    ...(opts.synchronous ? { synchronous: opts.synchronous } : {}), ...(opts.maxPending ? { maxPending: opts.maxPending } : {}),
    ...(opts.faults?.holdProjection ? { holdProjection: true } : {}),
  });
  const metrics = makeSelfMetrics(opts.processMetrics ?? true);
  const ingest = await IngestQueue.open(store, metrics, now);
  trackIngest(metrics, () => store.ingestStats());
  const liveness = await Liveness.open(store, ingest, metrics, log, {
    timeoutMs: config.heartbeatTimeoutSeconds * 1000, skewWarnMs: config.clockSkewWarnSeconds * 1000, now,
    leads: () => store.isLeader(),
  });
  const agentIds = config.agents.map((a) => a.id);
  exportConfiguredAgents(agentIds, (await store.agents()).map((a) => a.id), metrics);

  const sla = await SlaLedger.open(store);
  // Several collectors on one store: a change made through another one's API drops this one's caches too.
  store.onLedgerChange((c) => {
    sla.changedElsewhere(c).catch((e: unknown) => log.error({ err: (e as Error).message }, 'ledger change from another collector not taken in'));
  });
  const changed = await sla.syncConfig(config.customers, now());
  if (changed.length > 0) log.info({ customers: changed.length }, 'customers from config recorded as new versions');
  const slaMetrics = await SlaMetrics.open(sla, store, now);
  // Domain metrics label ports and feeds with their current owners, API-made customers included.
  const domain = makeDomainMetrics(() => ingest.current.values(), () => sla.currentCustomers());
  const metricsText = async () => (await metrics.registry.metrics()) + (await domain.metrics()) + (await slaMetrics.text());

  const ctx = { sla, now, authorize: makeApiAuth(config.apiTokens), log };
  const routes: Route[] = [
    // `status` is the collector's own health (what a supervisor or load balancer acts on); an
    // agent that never connected is the agents' problem, listed here and alerted on, not a reason
    // to restart or fail over this process.
    { method: 'GET', path: '/healthz', handler: async ({ res }) => sendJson(res, 200, {
      status: 'ok', observations: await store.countObservations(), pendingEvents: ingest.pending(), agents: agentsHealth(agentIds, liveness),
    }) },
    { method: 'GET', path: '/metrics', handler: async ({ res }) => sendText(res, 200, 'text/plain; version=0.0.4; charset=utf-8', await metricsText()) },
    // The API and the report page read observations: each request first waits
    // until what was acked before it is readable (Store.settled).
    ...[...apiRoutes(ctx), ...reportPageRoutes(ctx)].map((r): Route => ({
      ...r, handler: async (c) => { await ingest.settled(); return r.handler(c); },
    })),
  ];
  const handle = compile(routes);
  const onRequest = (req: http.IncomingMessage, res: http.ServerResponse) => { void handle(req, res); };
  const server = config.tls
    ? https.createServer({ cert: readFileSync(config.tls.cert), key: readFileSync(config.tls.key) }, onRequest)
    : http.createServer(onRequest);
  const agents = acceptAgents(server, {
    agents: config.agents, queue: ingest, liveness, metrics, log, now, dropAcks: opts.faults?.dropAcks ?? false,
    heartbeatMs: Math.max(1000, Math.floor(config.heartbeatTimeoutSeconds * 1000 / 3)),
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.listen.port, config.listen.host, () => { server.off('error', reject); resolve(); });
  });
  liveness.start();
  const port = (server.address() as AddressInfo).port;
  const host = config.listen.host.includes(':') ? `[${config.listen.host}]` : config.listen.host;
  const scheme = config.tls ? 'https' : 'http';
  log.info({ listen: `${host}:${port}`, tls: !!config.tls, database: describeDatabase(config.database) }, 'collector listening');

  return {
    url: `${scheme}://${host}:${port}`,
    wsUrl: `${config.tls ? 'wss' : 'ws'}://${host}:${port}${AGENT_WS_PATH}`,
    port, store, ingest, liveness, sla, slaMetrics, metrics, config, metricsText,
    async settled() {
      await ingest.drain();
      await ingest.settled();
    },
    async close() {
      liveness.stop();
      agents.close();
      const closed = new Promise<void>((r) => server.close(() => r()));
      server.closeAllConnections();
      await closed;
      // What arrived before the sockets closed is still committed (unacked: the agents resend, stored once).
      await ingest.drain().catch(() => {});
      await store.close();
    },
  };
}
