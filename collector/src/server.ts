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
import { Admission } from './ingest/admission.ts';
import { IngestHealth } from './ingest/health.ts';
import { RateLimitedLog } from './lib/rate-limited-log.ts';
import { HEADERS_TIMEOUT_MS, limitConnections } from './http/limits.ts';
import { Liveness } from './ingest/liveness.ts';
import { acceptAgents } from './ingest/endpoint.ts';
import { SlaLedger } from './ledger/index.ts';
import { makeSelfMetrics, trackChain, trackIngest, type SelfMetrics } from './metrics.ts';
import { makeDomainMetrics } from './domain-metrics.ts';
import { SlaMetrics } from './sla-metrics.ts';
import { agentsHealth, exportConfiguredAgents } from './agent-health.ts';
import { compile, sendJson, sendText, type Route } from './http/router.ts';
import { makeGuard, TokenBook } from './http/auth.ts';
import type { Access } from './http/access.ts';
import { loadShareKey, ShareLinks } from './http/share-links.ts';
import { randomBytes } from 'node:crypto';
import { apiRoutes } from './api/index.ts';
import { reportPageRoutes } from './report/routes.ts';
import { makeLogger } from './log.ts';
import { NoticeService } from './notify/service.ts';
import { timerMetricsText } from './timer-metrics.ts';
import { StatementService } from './issuing/statements.ts';

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
  /** Restoration notices and their deliveries; absent without `notices` in the config. */
  notices: NoticeService | undefined;
  /** Month-end statements; absent without `statements` in the config. */
  statements: StatementService | undefined;
  metrics: SelfMetrics;
  config: Readonly<CollectorConfig>;
  /** The route table: who may call what (the access matrix is tested from it). */
  routes: readonly { method: string; path: string; access: Access }[];
  /** Signs share links (tests and the admin API). */
  shareLinks: ShareLinks;
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
  /** How long the acked backlog may go without shrinking before /healthz says the projection is stuck (ingest/health.ts). */
  projectionStuckMs?: number;
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
  const lim = config.limits;
  const admission = new Admission(
    { futureMs: lim.eventClockSkewSeconds * 1000, historyMs: lim.historyDays * 86_400_000, subjectsPerAgent: lim.subjectsPerAgent },
    new Map(config.agents.flatMap((a) => (a.devices ?? []).map((d) => [d, a.id] as const))),
  );
  const ingest = await IngestQueue.open(store, metrics, now, admission);
  trackIngest(metrics, () => store.ingestStats());
  trackChain(metrics, () => store.chainHead());
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
  const metricsText = async () => (await metrics.registry.metrics()) + (await domain.metrics()) + (await slaMetrics.text())
    + (await timerMetricsText(sla, store, now()));

  const health = new IngestHealth(ingest, now, opts.projectionStuckMs);
  const notices = config.notices
    ? await NoticeService.start({ store, sla, config: config.notices, log, now, settled: () => ingest.settled() })
    : undefined;
  const statements = config.statements
    ? await StatementService.start({ store, sla, config: config.statements, log, now, settled: () => ingest.settled(), delivery: notices })
    : undefined;
  // A correction touching a frozen month is a revision, never a change to what was issued.
  if (statements) sla.onChange((c) => statements.corrected(c));
  const tokens = new TokenBook(config.apiTokens, (await store.apiTokens()).filter((t) => t.revokedAt === null)
    .map((t) => ({ name: t.name, role: t.role, customer: t.customer ?? undefined, tokenHash: t.tokenHash })));
  const shareLinks = new ShareLinks(config.shareLinkKeyFile === null ? randomBytes(32) : loadShareKey(config.shareLinkKeyFile));
  const guard = makeGuard({
    tokens, links: shareLinks, now, reportCustomer: async (id) => (await sla.reports.latest(id)).customer,
    operationCustomer: async (id) => (await sla.operations.latest(id)).customer,
  });
  const ctx = { sla, now, log, notices, statements, access: { tokens, tokenStore: store, links: shareLinks } };
  const routes: Route[] = [
    // `status` is the collector's own health (what a supervisor or load balancer acts on); an
    // agent that never connected is the agents' problem, listed here and alerted on, not a reason
    // to restart or fail over this process.
    // 503 while commits fail, the projection is stuck or the store does not answer: agents are not acked, or reads wait for ever.
    { method: 'GET', path: '/healthz', access: { role: 'public' }, handler: async ({ res }) => {
      const problems = health.problems();
      // A store that does not answer (PostgreSQL down) fails the check even while no agent is committing.
      const observations = await store.countObservations().catch(() => {
        problems.push('store not answering: observations could not be counted');
        return null;
      });
      sendJson(res, problems.length ? 503 : 200, {
        status: problems.length ? 'failing' : 'ok', ...(problems.length ? { problems } : {}),
        observations, pendingEvents: ingest.pending(), agents: agentsHealth(agentIds, liveness),
      });
    } },
    // Device-wide series: public for the scraper on the operator's network, never for a customer token.
    { method: 'GET', path: '/metrics', access: { role: 'public' }, handler: async ({ res }) => sendText(res, 200, 'text/plain; version=0.0.4; charset=utf-8', await metricsText()) },
    // The API and the report page read observations: each request first waits
    // until what was acked before it is readable (Store.settled).
    ...[...apiRoutes(ctx), ...reportPageRoutes(ctx)].map((r): Route => ({
      ...r, handler: async (c) => { await ingest.settled(); return r.handler(c); },
    })),
  ];
  const handle = compile(routes, guard);
  // handle() answers its own failures; this catch is the last line, so a request never ends the process.
  const onRequest = (req: http.IncomingMessage, res: http.ServerResponse) => {
    handle(req, res).catch((e: unknown) => { log.error({ err: (e as Error)?.message }, 'request failed outside the router'); res.destroy(); });
  };
  const server = config.tls
    ? https.createServer({ cert: readFileSync(config.tls.cert), key: readFileSync(config.tls.key) }, onRequest)
    : http.createServer(onRequest);
  server.headersTimeout = HEADERS_TIMEOUT_MS;
  limitConnections(server, { total: lim.connections, perIp: lim.connectionsPerIp }, metrics.connectionsRefused);
  const agents = acceptAgents(server, {
    agents: config.agents, queue: ingest, liveness, metrics, log, now, dropAcks: opts.faults?.dropAcks ?? false,
    heartbeatMs: Math.max(1000, Math.floor(config.heartbeatTimeoutSeconds * 1000 / 3)),
    helloTimeoutMs: lim.helloTimeoutSeconds * 1000, storeLog: new RateLimitedLog(log, 10_000, now),
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
    port, store, ingest, liveness, sla, slaMetrics, notices, statements, metrics, config, metricsText, shareLinks,
    routes: routes.map((r) => ({ method: r.method, path: r.path, access: r.access })),
    async settled() {
      await ingest.drain();
      await ingest.settled();
    },
    async close() {
      liveness.stop();
      health.stop();
      await statements?.close();
      await notices?.close();
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
