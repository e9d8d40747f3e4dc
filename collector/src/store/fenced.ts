/**
 * A commit refused, whole, because some of its agents' sessions were taken
 * over by another collector on the same store (postgres/sessions.ts): code
 * E.STORE_FENCED, and which agents, so each of their half-open sessions
 * here is closed while the other agents of the job just resend.
 */
import { DcprobeError, E } from '@dcprobe/shared';

export class FencedError extends DcprobeError {
  constructor(readonly agents: ReadonlySet<string>) {
    super(E.STORE_FENCED, `agent session taken over by another collector, nothing written or acked for: ${[...agents].join(', ')}`);
  }
}
