/**
 * A commit refused, whole, because subjects it gave to their first agent
 * belong to another agent already: another collector on the same store
 * committed that agent's event for them first (postgres/ingest.ts, the
 * subject_owners table). Code E.SUBJECT_TAKEN, and each such subject's
 * owner, so the ingest queue learns them and prepares the same frames again,
 * those events now refused as foreign_subject.
 */
import { DcprobeError, E } from '@dcprobe/shared';

export class SubjectsTakenError extends DcprobeError {
  constructor(readonly owners: ReadonlyMap<string, string>) {
    super(E.SUBJECT_TAKEN, `${owners.size} subject(s) belong to another agent already, nothing written: ${[...owners.keys()].slice(0, 5).join(', ')}${owners.size > 5 ? ', …' : ''}`);
  }
}
