/**
 * The collector process: one HTTP(S) listener for the API, /metrics, /healthz
 * and the agents' WebSocket (/agent). Agents authenticate with a per-agent
 * bearer token at upgrade; an unknown token still completes the handshake so
 * the agent gets a clear close reason (4401) instead of a bare HTTP status.
 */
import http from 'node:http';
import https from 'node:https';
import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { WebSocketServer } from 'ws';
import type { Logger } from 'pino';
import { AGENT_WS_PATH, CLOSE, DcprobeError, E, MAX_MESSAGE_BYTES } from '@dcprobe/shared';
import type { CollectorConfig, CustomerConfig } from './config.ts';
import { openDb, type Db } from './store/db.ts';
import { ObservationStore } from './store/observations.ts';
import { Ledger } from './ingest/ledger.ts';
import { openWriter } from './ingest/writer.ts';
import { Liveness } from './ingest/liveness.ts';
import { runSession } from './ingest/session.ts';
import { makeSelfMetrics, trackWriter, type SelfMetrics } from './metrics.ts';
import { makeDomainMetrics } from './domain-metrics.ts';
import { agentsHealth, exportConfiguredAgents } from './agent-health.ts';
import { compile, sendJson, sendText, type Route } from './http/router.ts';
import { makeApiAuth } from './http/auth.ts';
import { bearer, hashToken } from './tokens.ts';
import { makeLogger } from './log.ts';

export interface CollectorHandle {
  url: string;
  wsUrl: string;
  port: number;
  db: Db;
  ledger: Ledger;
  liveness: Liveness;
  metrics: SelfMetrics;
  config: Readonly<CollectorConfig>;
  metricsText(): Promise<string>;
  /** Resolves once every event acked so far is in observations (see ingest/journal.ts). */
  settled(): Promise<void>;
  close(): Promise<void>;
}

export interface StartOptions {
  log?: Logger;
  now?: () => number;
  /** Extra routes (API, report pages) contributed by other modules. */
  routes?: (deps: RouteDeps) => Route[];
  /** Process metrics off in tests that start many collectors. */
  processMetrics?: boolean;
  synchronous?: 'FULL' | 'NORMAL';
  /** Journalled events beyond which commits wait for the projection (default writer.ts MAX_PENDING). */
  maxPending?: number;
  /**
   * Fault injection for tests: commit but never ack (as if killed between the
   * two); leave acked events in the journal until a read or the bound needs them.
   */
  faults?: { dropAcks?: boolean; holdProjection?: boolean };
}

export interface RouteDeps {
  config: Readonly<CollectorConfig>;
  db: Db;
  ledger: Ledger;
  store: ObservationStore;
  log: Logger;
  now: () => number;
  authorize: ReturnType<typeof makeApiAuth>;
  /** Adds a text exposition (e.g. the SLA metrics) to /metrics, after the two registries. */
  addMetrics: (source: () => string | Promise<string>) => void;
  /**
   * Where the customer labels of the domain metrics come from (default: the
   * config). The ledger passes its current customers, API-made ones included;
   * return the same array until it changes, so the owner map is built once.
   */
  useCustomers: (source: () => readonly CustomerConfig[]) => void;
}

export async function startCollector(config: Readonly<CollectorConfig>, opts: StartOptions = {}): Promise<CollectorHandle> {
  const log = opts.log ?? makeLogger(config.logLevel);
  const now = opts.now ?? Date.now;
  const db = openDb(config.database, opts.synchronous ? { synchronous: opts.synchronous } : {});
  const store = new ObservationStore(db);
  const metrics = makeSelfMetrics(opts.processMetrics ?? true);
  const writer = await openWriter(db, config.database, {
    synchronous: opts.synchronous ?? 'FULL', ...(opts.maxPending ? { maxPending: opts.maxPending } : {}),
    ...(opts.faults?.holdProjection ? { holdProjection: true } : {}),
  }).catch((e: Error) => {
    db.close();
    throw new DcprobeError(E.STORE_OPEN, `cannot open store ${config.database}: ${e.message}`, { cause: e });
  });
  const ledger = new Ledger(store, writer, metrics, now);
  trackWriter(metrics, () => writer.stats());
  const liveness = new Liveness(ledger, metrics, log, {
    timeoutMs: config.heartbeatTimeoutSeconds * 1000, skewWarnMs: config.clockSkewWarnSeconds * 1000, now,
  });
  const agentIds = config.agents.map((a) => a.id);
  exportConfiguredAgents(agentIds, store.agents().map((a) => a.id), metrics);
  let customerSource: () => readonly CustomerConfig[] = () => config.customers;
  const domain = makeDomainMetrics(() => ledger.current.values(), () => customerSource());
  const extraMetrics: (() => string | Promise<string>)[] = [];
  const metricsText = async () => (await metrics.registry.metrics()) + (await domain.metrics())
    + (await Promise.all(extraMetrics.map((f) => f()))).join('');
  const authorize = makeApiAuth(config.apiTokens);

  const routes: Route[] = [
    // `status` is the collector's own health (what a supervisor or load balancer acts on); an
    // agent that never connected is the agents' problem, listed here and alerted on, not a reason
    // to restart or fail over this process.
    { method: 'GET', path: '/healthz', handler: ({ res }) => sendJson(res, 200, {
      status: 'ok', observations: store.count(), pendingEvents: ledger.pending(), agents: agentsHealth(agentIds, liveness),
    }) },
    { method: 'GET', path: '/metrics', handler: async ({ res }) => sendText(res, 200, 'text/plain; version=0.0.4; charset=utf-8', await metricsText()) },
    // The API and report pages read observations: each request first waits
    // for the projection of what was acked before it (ingest/journal.ts).
    ...(opts.routes?.({ config, db, ledger, store, log, now, authorize,
      addMetrics: (f) => { extraMetrics.push(f); },
      useCustomers: (f) => { customerSource = f; } }) ?? []).map((r): Route => ({
      ...r, handler: async (c) => { await ledger.settled(); return r.handler(c); },
    })),
  ];
  const handle = compile(routes);
  const onRequest = (req: http.IncomingMessage, res: http.ServerResponse) => { void handle(req, res); };
  const server = config.tls
    ? https.createServer({ cert: readFileSync(config.tls.cert), key: readFileSync(config.tls.key) }, onRequest)
    : http.createServer(onRequest);

  // ws enforces a hard cap far above the protocol's limit; frames between the
  // two are refused with an error frame so the connection and its valid events survive.
  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_MESSAGE_BYTES * 4 });
  const byHash = new Map(config.agents.map((a) => [a.tokenHash, a.id]));
  const sessions = new Map<string, import('ws').WebSocket>();
  server.on('upgrade', (req, socket, head) => {
    const path = new URL(req.url ?? '/', 'http://local').pathname;
    if (path !== AGENT_WS_PATH) { socket.end('HTTP/1.1 404 Not Found\r\n\r\n'); return; }
    wss.handleUpgrade(req, socket, head, (ws) => {
      const tok = bearer(req.headers.authorization);
      const agentId = tok ? byHash.get(hashToken(tok)) : undefined;
      if (!agentId) {
        const reason = tok ? 'bad_token' : 'no_token';
        metrics.authFailures.inc({ reason });
        log.warn({ remote: req.socket.remoteAddress, reason }, 'agent connection refused: unknown or missing token');
        ws.close(CLOSE.UNAUTHORIZED, tok ? 'unknown or wrong agent token' : 'missing agent token');
        return;
      }
      const prev = sessions.get(agentId);
      if (prev) prev.close(CLOSE.REPLACED, 'replaced by a newer connection of the same agent');
      sessions.set(agentId, ws);
      ws.on('close', () => { if (sessions.get(agentId) === ws) sessions.delete(agentId); });
      runSession(ws, agentId, { ledger, liveness, metrics, log, dropAcks: opts.faults?.dropAcks ?? false, heartbeatMs: Math.max(1000, Math.floor(config.heartbeatTimeoutSeconds * 1000 / 3)) });
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.listen.port, config.listen.host, () => { server.off('error', reject); resolve(); });
  });
  liveness.start();
  const port = (server.address() as AddressInfo).port;
  const host = config.listen.host.includes(':') ? `[${config.listen.host}]` : config.listen.host;
  const scheme = config.tls ? 'https' : 'http';
  log.info({ listen: `${host}:${port}`, tls: !!config.tls, database: config.database }, 'collector listening');

  return {
    url: `${scheme}://${host}:${port}`,
    wsUrl: `${config.tls ? 'wss' : 'ws'}://${host}:${port}${AGENT_WS_PATH}`,
    port, db, ledger, liveness, metrics, config, metricsText,
    async settled() {
      await ledger.drain();
      await ledger.settled();
    },
    async close() {
      liveness.stop();
      for (const ws of wss.clients) ws.close(CLOSE.SHUTDOWN, 'collector shutting down');
      for (const ws of wss.clients) ws.terminate();
      const closed = new Promise<void>((r) => server.close(() => r()));
      server.closeAllConnections();
      await closed;
      // What arrived before the sockets closed is still committed (unacked: the agents resend, stored once).
      await ledger.drain().catch(() => {});
      await writer.close();
      db.close();
    },
  };
}
