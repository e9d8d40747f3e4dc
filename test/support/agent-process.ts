/**
 * A real `dcprobe-agent run` process for tests: its config written to a file,
 * its pino log lines parsed as they come, its /metrics scraped, and ways to end
 * it (SIGTERM, or SIGKILL as a crash). Every process is killed by PID when the
 * test process exits, so a failed test leaves nothing running.
 *
 *   startAgentProcess({ dir, config, pidNamespace? }) → AgentProcess
 *       `pidNamespace` runs it as PID 1 of a new PID namespace (unshare --pid
 *       --fork --mount-proc --kill-child), as in a container; needs root.
 *   proc.waitForLog(what, pred, timeoutMs) → the first matching line
 *   proc.metric(name) → the value of a metric series (first match of `name`)
 *   proc.kill9() / proc.stop() → exit
 */
import { readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { spawnDaemon, type Daemon } from './procs.ts';
import { GiveUp, waitUntil } from './wait.ts';

const AGENT_BIN = fileURLToPath(new URL('../../agent/bin/dcprobe-agent.mjs', import.meta.url));

export interface LogLine { level: number; msg: string; [k: string]: unknown }

export interface AgentProcess {
  /** PID of the agent's node process (inside a PID namespace: its PID as seen from here). */
  readonly pid: number;
  readonly daemon: Daemon;
  logs(): LogLine[];
  waitForLog(what: string, pred: (l: LogLine) => boolean, timeoutMs?: number): Promise<LogLine>;
  /** GET /metrics (needs `metrics.listen` in the config). */
  metrics(): Promise<string>;
  /** One sample's value, e.g. metric('dcprobe_agent_outbox_unsaved_events'); undefined when absent. */
  metric(series: string): Promise<number | undefined>;
  /** SIGKILL (a crash) and wait for the exit. */
  kill9(): Promise<void>;
  /** SIGTERM (a clean stop) and wait for the exit. */
  stop(): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

export interface AgentProcessOptions {
  dir: string;
  /** Written as JSON (which is YAML) to <dir>/agent.yml. */
  config: Record<string, unknown>;
  pidNamespace?: boolean;
  name?: string;
}

export async function startAgentProcess(o: AgentProcessOptions): Promise<AgentProcess> {
  const file = join(o.dir, 'agent.yml');
  await writeFile(file, JSON.stringify(o.config, null, 2), { mode: 0o600 });
  const argv = [AGENT_BIN, 'run', '--config', file];
  const daemon = o.pidNamespace
    ? spawnDaemon(o.name ?? 'agent', 'unshare', ['--pid', '--fork', '--mount-proc', '--kill-child', process.execPath, ...argv])
    : spawnDaemon(o.name ?? 'agent', process.execPath, argv);
  const lines: LogLine[] = [];
  let partial = '';
  daemon.child.stdout?.on('data', (d: Buffer) => {
    const parts = (partial + d.toString()).split('\n');
    partial = parts.pop()!;
    for (const p of parts) {
      try { lines.push(JSON.parse(p) as LogLine); } catch { /* not a log line */ }
    }
  });
  const pid = o.pidNamespace ? await childOf(daemon) : daemon.pid;
  const listen = (o.config.metrics as { listen?: string } | undefined)?.listen;
  const metrics = async () => {
    if (!listen) throw new Error('no metrics.listen in the config');
    const r = await fetch(`http://${listen}/metrics`, { signal: AbortSignal.timeout(2_000) });
    return r.text();
  };
  return {
    pid,
    daemon,
    logs: () => lines,
    waitForLog: (what, pred, timeoutMs = 20_000) => waitUntil(what, () => {
      if (daemon.hasExited() && !lines.some(pred)) throw new GiveUp(`agent exited while waiting for ${what}: ${daemon.output().slice(-2000)}`);
      return lines.find(pred);
    }, { timeoutMs, intervalMs: 25 }),
    metrics,
    async metric(series) {
      const text = await metrics();
      const line = text.split('\n').find((l) => l.startsWith(`${series} `) || l.startsWith(`${series}{`));
      return line === undefined ? undefined : Number(line.slice(line.lastIndexOf(' ') + 1));
    },
    async kill9() {
      process.kill(pid, 'SIGKILL');
      await daemon.exited;
    },
    async stop() {
      process.kill(pid, 'SIGTERM');
      return daemon.exited;
    },
  };
}

/** The process unshare forked (PID 1 inside the namespace), as a PID seen from here. */
function childOf(d: Daemon): Promise<number> {
  return waitUntil('the agent inside its PID namespace', () => {
    if (d.hasExited()) throw new Error(`unshare exited: ${d.output()}`);
    const kids = readFileSync(`/proc/${d.pid}/task/${d.pid}/children`, 'utf8').trim();
    return kids ? Number(kids.split(' ')[0]) : undefined;
  }, { timeoutMs: 5_000, intervalMs: 10 });
}
