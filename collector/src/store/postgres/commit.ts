/**
 * The ingest queue's commit jobs as PostgreSQL commits: each item's events
 * (the frame as received, or an array of the new ones) become a Frame under
 * the epoch of this collector's session for the agent (ingest.ts,
 * sessions.ts). An agent this store has not claimed yet (rows committed
 * without a hello through this store: imports, tests) is claimed first, as a
 * hello would. An agent whose session another collector took over is fenced:
 * nothing of it is written, and the job fails with E.STORE_FENCED so none of
 * it is acked; the other agents' frames in the job are committed and stored
 * once, and acked when their agents resend them.
 */
import type pg from 'pg';
import type { AgentEvent } from '@dcprobe/shared';
import { FencedError } from '../fenced.ts';
import type { CommitJob } from '../types.ts';
import { commitFrames, type Frame } from './ingest.ts';
import { claimSession } from './sessions.ts';

export interface CommitResult { inserted: number; duplicate: number }

export class SessionEpochs {
  private readonly epochs = new Map<string, number>();

  constructor(private readonly pool: pg.Pool, readonly collector: string) {}

  set(agentId: string, epoch: number): void { this.epochs.set(agentId, epoch); }

  async of(agentId: string): Promise<number> {
    let e = this.epochs.get(agentId);
    if (e === undefined) {
      e = (await claimSession(this.pool, agentId, this.collector)).epoch;
      this.epochs.set(agentId, e);
    }
    return e;
  }
}

export async function commitJob(pool: pg.Pool, epochs: SessionEpochs, job: CommitJob): Promise<CommitResult> {
  const frames: Frame[] = [];
  for (const it of job.items) {
    const parsed = JSON.parse(it.events) as AgentEvent[] | { batch: AgentEvent[] };
    frames.push({
      agentId: it.agentId, epoch: await epochs.of(it.agentId), receivedAt: it.receivedAt,
      events: Array.isArray(parsed) ? parsed : parsed.batch,
      rejects: it.rejects.map(([seq, reason, raw]) => ({ seq, reason, raw })), committed: it.committed,
    });
  }
  const outcomes = await commitFrames(pool, frames, job.claims);
  const fenced = new Set(outcomes.filter((o) => o.fenced).map((o) => o.agentId));
  if (fenced.size > 0) throw new FencedError(fenced);
  let inserted = 0;
  let duplicate = 0;
  for (const o of outcomes) if (!o.fenced) { inserted += o.inserted.length; duplicate += o.duplicate.length; }
  return { inserted, duplicate };
}
