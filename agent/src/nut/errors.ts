/**
 * Coded NUT errors. `code` is E.NUT_ERROR or E.NUT_TIMEOUT; `nutName` carries
 * upsd's own error name (DATA-STALE, DRIVER-NOT-CONNECTED, UNKNOWN-UPS,
 * ACCESS-DENIED …) so callers branch on it, never on message text. Messages
 * name the server and the command, never a password.
 */
import { DcprobeError, E } from '@dcprobe/shared';

/** Names for failures that upsd did not report itself. */
export const LOCAL_NAMES = {
  connect: 'CONNECT-FAILED',
  closed: 'CONNECTION-CLOSED',
  unexpected: 'UNEXPECTED-REPLY',
  tls: 'TLS-FAILED',
  tooLong: 'LINE-TOO-LONG',
} as const;

export class NutError extends DcprobeError {
  /** upsd's error name, or one of LOCAL_NAMES; `TIMEOUT` for E.NUT_TIMEOUT. */
  readonly nutName: string;
  constructor(code: typeof E.NUT_ERROR | typeof E.NUT_TIMEOUT, nutName: string, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
    this.name = 'NutError';
    this.nutName = nutName;
  }
}

export function isNutError(e: unknown, nutName?: string): e is NutError {
  return e instanceof NutError && (nutName === undefined || e.nutName === nutName);
}

export function describeServer(host: string, port: number): string {
  return host.includes(':') ? `upsd [${host}]:${port}` : `upsd ${host}:${port}`;
}
