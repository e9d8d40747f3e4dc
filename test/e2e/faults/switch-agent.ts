/**
 * One agent of the fault suite's fleet: `dcprobe-agent run` polling one switch (a simulator
 * in the test process, or any SNMP agent) every second and taking its traps, with its data
 * dir in the test's directory, started again and again with the same config and data dir
 * (each run a real process from test/support/agent-process.ts).
 *
 *   const a = new SwitchAgent({ dir, agentId, token, collector: wsUrl, switchPort, trapPort })
 *   await a.start()                 a new process, resolved once it has logged its start
 *   await a.kill9() / a.stop()      SIGKILL / SIGTERM by PID
 *   await a.outbox()                what its outbox holds on disk: { produced, acked, dropped }
 *
 * `produced` is the highest seq the agent ever wrote: seqs are 1, 2, 3 … with none reused,
 * so seqs 1..produced are every event this agent made durable (docs/protocol.md).
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { startAgentProcess, type AgentProcess } from '../../support/agent-process.ts';
import { waitUntil } from '../../support/wait.ts';
import { listSegments, readSegment, readState } from '../../../agent/src/outbox-files.ts';

export interface SwitchAgentOptions {
  dir: string;
  agentId: string;
  token: string;
  /** One collector's URL, or several (the agent fails over between them). */
  collector: string | readonly string[];
  switchPort: number;
  trapPort: number;
  heartbeatSeconds?: number;
}

export interface OutboxOnDisk {
  /** Highest seq ever written. */
  produced: number;
  acked: number;
  /** Highest seq given up without an ack (outbox bound): those events are lost. */
  dropped: number;
}

export class SwitchAgent {
  readonly agentId: string;
  readonly dataDir: string;
  private readonly home: string;
  private readonly config: Record<string, unknown>;
  private proc: AgentProcess | undefined;

  constructor(o: SwitchAgentOptions) {
    this.agentId = o.agentId;
    this.home = join(o.dir, o.agentId);
    mkdirSync(this.home, { recursive: true, mode: 0o700 });
    this.dataDir = join(this.home, 'data');
    this.config = {
      agentId: o.agentId, collectors: [o.collector].flat(), token: o.token, dataDir: this.dataDir,
      heartbeatSeconds: o.heartbeatSeconds ?? 1, logLevel: 'info',
      traps: { listen: `127.0.0.1:${o.trapPort}`, communities: ['public'] },
      targets: [{ kind: 'snmp-switch', name: `${o.agentId}-sw`, host: '127.0.0.1', port: o.switchPort, version: '2c', community: 'public', intervalSeconds: 1, ports: 'all' }],
    };
  }

  get pid(): number | undefined { return this.proc && !this.proc.daemon.hasExited() ? this.proc.pid : undefined; }
  get running(): boolean { return this.pid !== undefined; }
  output(): string { return this.proc?.daemon.output() ?? ''; }

  async start(timeoutMs = 60_000): Promise<void> {
    if (this.running) throw new Error(`${this.agentId} already running`);
    this.proc = await startAgentProcess({ dir: this.home, config: this.config, name: `dcprobe-agent ${this.agentId}` });
    await this.proc.waitForLog(`${this.agentId} started`, (l) => l.msg === 'agent started', timeoutMs);
  }

  async kill9(): Promise<void> {
    const p = this.proc;
    if (!p || p.daemon.hasExited()) return;
    await p.kill9();
    await p.daemon.stop(0);
  }

  async stop(): Promise<void> {
    await this.proc?.daemon.stop(10_000);
  }

  /** Read from outside while the agent may be running: a segment removed under us is retried. */
  async outbox(): Promise<OutboxOnDisk> {
    return waitUntil(`${this.agentId}'s outbox readable`, async () => {
      const dir = join(this.dataDir, 'outbox');
      const state = await readState(dir);
      let produced = Math.max(state.acked, state.dropped);
      for (const seg of await listSegments(dir)) {
        const { seqs } = await readSegment(seg.path, seg.first);
        if (seqs.length) produced = Math.max(produced, seqs.at(-1)!);
      }
      return { produced, acked: state.acked, dropped: state.dropped };
    }, { timeoutMs: 5000, intervalMs: 20 });
  }
}
