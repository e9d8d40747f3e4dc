/**
 * Wires the agent: sources → poll loop → tracker → outbox → link, plus the
 * self-metrics listener and the trap receiver. One fact's path: a reading
 * becomes a transition in the tracker, the transition a durable outbox event,
 * the event a frame to the collector.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { DcprobeError, E, isSubjectId } from '@dcprobe/shared';
import type { AgentConfig } from './config.ts';
import { splitHostPort } from './config.ts';
import { hostFacts } from './host.ts';
import { startLink } from './link.ts';
import type { Link, LinkOptions } from './link.ts';
import { makeLogger } from './log.ts';
import { createMetrics, serveMetrics } from './metrics.ts';
import type { AgentMetrics, MetricsServer } from './metrics.ts';
import { Outbox } from './outbox.ts';
import { Recorder } from './recorder.ts';
import { startPoller } from './poller.ts';
import type { PollTarget } from './poller.ts';
import { SOURCES } from './sources/index.ts';
import { startSchedules } from './sources/schedules.ts';
import { sharedSockets } from './snmp/shared-socket.ts';
import type { Reading, SourceKinds } from './sources/index.ts';
import { Tracker } from './tracker.ts';
import type { Trigger } from './tracker.ts';
import { lockDataDir } from './lock.ts';
import { startTraps } from './agent-traps.ts';
import { BUILD } from './build-info.ts';

export const AGENT_VERSION: string = BUILD.version;

export interface AgentOptions {
  now?: () => number;
  log?: Logger;
  /** Source kinds by name; default SOURCES. Tests pass fakes (and the same map to buildConfig). */
  sources?: SourceKinds;
  /** Link tuning (backoff, pauses) for tests. */
  link?: Partial<Pick<LinkOptions, 'backoff' | 'unauthorizedBackoffMs' | 'welcomeTimeoutMs' | 'windowEvents'>>;
  processMetrics?: boolean;
  /** Events per outbox segment file (tests use small ones). */
  segmentEvents?: number;
}

export interface AgentHandle {
  readonly config: Readonly<AgentConfig>;
  readonly metrics: AgentMetrics;
  readonly tracker: Tracker;
  readonly outbox: Outbox;
  readonly link: Link;
  /** Where /metrics is served, when configured (port resolved when 0 was asked). */
  readonly metricsServer?: MetricsServer;
  /** Bound trap port, when traps are configured. */
  readonly trapPort?: number;
  /** A confirming poll of one target now (trap-driven); false if no such target. */
  triggerPoll(target: string): boolean;
  /** Readings seen outside the poll loop (a trap naming a port's new state). */
  ingest(target: string, readings: readonly Reading[], at: number, trigger?: Trigger): Promise<void>;
  close(): Promise<void>;
}

export async function startAgent(config: Readonly<AgentConfig>, opts: AgentOptions = {}): Promise<AgentHandle> {
  const now = opts.now ?? Date.now;
  const log = opts.log ?? makeLogger(config.logLevel);
  const kinds = opts.sources ?? SOURCES;
  const metrics = createMetrics({ processMetrics: opts.processMetrics });
  const unlock = await lockDataDir(config.dataDir);
  const cleanup: (() => Promise<void> | void)[] = [unlock];
  try {
    const outbox = await Outbox.open({
      dir: join(config.dataDir, 'outbox'), maxEvents: config.outbox.maxEvents, warnAt: config.outbox.warnAt, log,
      onDrop: (n) => metrics.outboxDropped.inc(n), onWriteFailure: () => metrics.outboxWriteFailures.inc(),
      onQuarantine: (n) => metrics.outboxQuarantined.inc(n), onLost: (n) => metrics.outboxLost.inc(n),
      ...(opts.segmentEvents ? { segmentEvents: opts.segmentEvents } : {}),
    });
    cleanup.unshift(() => outbox.close());
    metrics.watchOutbox(outbox);
    const tracker = new Tracker();
    const ca = config.caFile ? readCa(config.caFile) : undefined;

    const schedules = startSchedules(log);
    cleanup.unshift(() => schedules.close());
    const snmpSockets = sharedSockets();
    cleanup.unshift(() => snmpSockets.close());
    const targets: PollTarget[] = config.targets.map((target) => {
      const tlog = log.child({ target: target.name });
      return {
        target, log: tlog, instance: kinds[target.kind]!.open(target, {
          log: tlog, now, schedule: schedules.schedule, snmpSockets,
          snmpMaxRepetitions: (n) => metrics.snmpMaxRepetitions.set({ target: target.name }, n),
        }),
      };
    });
    cleanup.unshift(() => { for (const t of targets) t.instance.close(); });
    /** Per target, the subjects its last full poll reported (an array: 8 bytes a subject, at 100,000 ports). */
    const subjectsOf = new Map<string, readonly string[]>(targets.map((t) => [t.target.name, []]));
    let link: Link | undefined;
    const recorder = new Recorder({
      tracker, outbox, metrics, log, features: () => link?.features ?? new Set(),
    });
    const record = (target: string, readings: readonly Reading[], at: number, trigger: Trigger): Promise<void> =>
      recorder.record(target, readings, at, trigger);

    /**
     * A full poll that no longer reports a subject it reported before (a port
     * whose alias no longer selects it, a UPS gone from upsd's list): that
     * subject is not measured any more, so it is unknown, not still up.
     */
    function withVanished(target: string, readings: readonly Reading[]): readonly Reading[] {
      const before = subjectsOf.get(target);
      if (!before) return readings;
      // Subjects the protocol refuses are never kept, so they never turn unknown either.
      const now = readings.map((r) => r.subject).filter(isSubjectId);
      subjectsOf.set(target, now);
      // The common case, checked without building a set: the same subjects in the same order.
      if (now.length >= before.length && before.every((s, i) => now[i] === s)) return readings;
      const still = new Set(now);
      const gone = before.filter((s) => !still.has(s));
      if (gone.length === 0) return readings;
      log.info({ target, subjects: gone.slice(0, 20), count: gone.length }, 'subjects no longer reported by their target; now unknown');
      return [...readings, ...tracker.unknownReadings(gone, { reason: 'no longer reported by its target' })];
    }

    const poller = startPoller({
      targets, concurrency: config.concurrency, now, log, metrics,
      onReadings: (target, readings, at, trigger) => {
        metrics.power.update(target, readings);
        return record(target, withVanished(target, readings), at, trigger);
      },
      onFailure: (target, err, at) => {
        metrics.power.clear(target);
        return record(target, tracker.unknownReadings(subjectsOf.get(target) ?? [], { error: err.code, message: err.message }), at, 'poll');
      },
    });
    cleanup.unshift(() => poller.close());

    link = startLink({
      urls: config.collectors, token: () => currentToken(config, log), ...(ca ? { ca } : {}),
      agentId: config.agentId, version: AGENT_VERSION, heartbeatMs: config.heartbeatSeconds * 1000, outbox, log, now,
      hello: async () => ({ host: { ...hostFacts() }, clock: now(), states: tracker.snapshot() }),
      onConnected: (up) => metrics.linkConnected.set(up ? 1 : 0),
      ...opts.link,
    });
    link.on('welcome', () => void recorder.releaseFlaps());
    cleanup.unshift(() => link!.close());

    let metricsServer: MetricsServer | undefined;
    if (config.metrics) {
      metricsServer = await serveMetrics(config.metrics.listen, metrics.registry, log);
      cleanup.unshift(() => metricsServer!.close());
    }
    const ingest = (target: string, readings: readonly Reading[], at: number, trigger: Trigger = 'trap') => record(target, readings, at, trigger);
    let trapPort: number | undefined;
    if (config.traps) {
      const { host, port } = splitHostPort(config.traps.listen);
      const traps = await startTraps({
        address: host, port, communities: config.traps.communities, users: config.traps.users,
        targets: () => targets.map((t) => ({ name: t.target.name, instance: t.instance })), log, now, metrics,
        ingest, triggerPoll: (t) => poller.triggerPoll(t),
      });
      trapPort = traps.port;
      cleanup.unshift(() => traps.close());
    }

    log.info({ agentId: config.agentId, version: AGENT_VERSION, targets: targets.length, collectors: config.collectors.length, held: outbox.held }, 'agent started');
    let closing: Promise<void> | undefined;
    return {
      config, metrics, tracker, outbox, link, ...(metricsServer ? { metricsServer } : {}), ...(trapPort !== undefined ? { trapPort } : {}),
      triggerPoll: (t) => poller.triggerPoll(t),
      ingest,
      close: () => (closing ??= runAll(cleanup).then(() => log.info('agent stopped'))),
    };
  } catch (e) {
    await runAll(cleanup);
    throw e;
  }
}

async function runAll(fns: readonly (() => Promise<void> | void)[]): Promise<void> {
  for (const f of fns) await f();
}

function readCa(file: string): Buffer {
  try {
    return readFileSync(file);
  } catch (e) {
    throw new DcprobeError(E.CONFIG_READ, `caFile: cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? 'error'}`);
  }
}

/** The tokenFile is read again at each connection, so fixing it needs no restart. */
function currentToken(config: Readonly<AgentConfig>, log: Logger): string {
  if (!config.tokenFile) return config.token;
  try {
    const t = readFileSync(config.tokenFile, 'utf8').trim();
    if (t.length >= 16) return t;
  } catch (e) {
    log.warn({ file: config.tokenFile, code: (e as NodeJS.ErrnoException).code }, 'tokenFile unreadable; using the token read at start');
  }
  return config.token;
}
