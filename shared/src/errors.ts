/**
 * Coded errors (fastify style): code branches on `code`, never on message text.
 * Messages never carry secrets (communities, keys, tokens).
 */
export class DcprobeError extends Error {
  readonly code: string;
  override readonly cause?: unknown;
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message);
    this.name = 'DcprobeError';
    this.code = code;
    if (options?.cause !== undefined) this.cause = options.cause;
  }
}

export function isCoded(e: unknown, code?: string): e is DcprobeError {
  return e instanceof DcprobeError && (code === undefined || e.code === code);
}

/** Error codes used across the project; each names one condition. */
export const E = {
  CONFIG_INVALID: 'DCP_CONFIG_INVALID',
  CONFIG_READ: 'DCP_CONFIG_READ',
  SCENARIO_INVALID: 'DCP_SCENARIO_INVALID',
  TIME_INVALID: 'DCP_TIME_INVALID',
  SNMP_TIMEOUT: 'DCP_SNMP_TIMEOUT',
  SNMP_AUTH: 'DCP_SNMP_AUTH',
  SNMP_ERROR: 'DCP_SNMP_ERROR',
  NUT_ERROR: 'DCP_NUT_ERROR',
  NUT_TIMEOUT: 'DCP_NUT_TIMEOUT',
  STORE_OPEN: 'DCP_STORE_OPEN',
  /** The database refused the store's credentials (not retried). */
  STORE_AUTH: 'DCP_STORE_AUTH',
  /** The database could not be reached within the start-up bound, or went away. */
  STORE_UNAVAILABLE: 'DCP_STORE_UNAVAILABLE',
  /** An agent session was taken over by another collector: this one may no longer write or ack for it. */
  STORE_FENCED: 'DCP_STORE_FENCED',
  /** Subjects a commit gave to their first agent had been given to another agent already, through another collector: nothing of the commit was written. */
  SUBJECT_TAKEN: 'DCP_SUBJECT_TAKEN',
  /** Another process holds the store (a second collector on the same database). */
  STORE_LOCKED: 'DCP_STORE_LOCKED',
  /** The listen address cannot be bound (in use, not local, privileged port). */
  LISTEN: 'DCP_LISTEN',
  /** A command line the program cannot follow (unknown flag, missing argument). */
  USAGE: 'DCP_USAGE',
  /** A backup that could not be written or checked. */
  BACKUP: 'DCP_BACKUP',
  PROTOCOL: 'DCP_PROTOCOL',
  OUTBOX_FULL: 'DCP_OUTBOX_FULL',
  /** Events numbered and held in memory because the outbox cannot write them (disk full); written when it can. */
  OUTBOX_UNSAVED: 'DCP_OUTBOX_UNSAVED',
  UNAUTHORIZED: 'DCP_UNAUTHORIZED',
  FORBIDDEN: 'DCP_FORBIDDEN',
  NOT_FOUND: 'DCP_NOT_FOUND',
  VALIDATION: 'DCP_VALIDATION',
  /** An HTTP method the path does not take. */
  METHOD_NOT_ALLOWED: 'DCP_METHOD_NOT_ALLOWED',
  /** A change based on a version that is no longer the latest (someone else changed it first). */
  CONFLICT: 'DCP_CONFLICT',
  /** A failure that is not the caller's; the details are logged, never sent. */
  INTERNAL: 'DCP_INTERNAL',
  /** A poll that did not finish within its target's interval. */
  POLL_TIMEOUT: 'DCP_POLL_TIMEOUT',
  /** A source threw something that is not a DcprobeError (a bug in the source). */
  UNCODED: 'DCP_UNCODED',
  /** A delivery target (webhook URL, e-mail address) the collector will not send to. */
  DELIVERY_TARGET: 'DCP_DELIVERY_TARGET',
  /** Rendering a statement to PDF (headless Chromium) failed or ran out of time. */
  RENDER_FAILED: 'DCP_RENDER_FAILED',
  /** An evidence block that is malformed, or a document that has no canonical JSON form. */
  EVIDENCE_INVALID: 'DCP_EVIDENCE_INVALID',
} as const;
export type ErrorCode = (typeof E)[keyof typeof E];
