/**
 * net-snmp's errors, read once: what kind of failure it is (for the client's
 * decisions) and the coded DcprobeError the sources throw. Every message
 * names the device (`host:port`) and never the community or keys; branches
 * go on the library's error class and codes, never its text (some net-snmp
 * messages quote the community).
 */
import snmp from 'net-snmp';
import { DcprobeError, E } from '@dcprobe/shared';
import type { SnmpTarget } from './types.ts';

export function describeTarget(t: Pick<SnmpTarget, 'host' | 'port'>): string {
  return t.host.includes(':') ? `[${t.host}]:${t.port}` : `${t.host}:${t.port}`;
}

const RIC = snmp.ResponseInvalidCode;
/** Failures that mean "the agent does not accept this session's credentials, or its engine". */
const AUTH_CODES = new Set([RIC.EAuthFailure, RIC.ECouldNotDecrypt, RIC.ENotInTimeWindow]);

export type Failure = 'timeout' | 'tooBig' | 'usm' | 'noSuchName' | 'other';

export function failureOf(err: unknown): Failure {
  if (err instanceof snmp.RequestTimedOutError) return 'timeout';
  if (err instanceof snmp.ResponseInvalidError) return AUTH_CODES.has((err as { code?: number }).code) ? 'usm' : 'other';
  if (err instanceof snmp.RequestFailedError) {
    const status = (err as { status?: number }).status;
    if (status === snmp.ErrorStatus.TooBig) return 'tooBig';
    if (status === snmp.ErrorStatus.NoSuchName) return 'noSuchName';
  }
  return 'other';
}

/** Why a datagram could not leave, by the system's error code. */
const SEND_FAILURES: Record<string, string> = {
  ENOTFOUND: 'the host name is not in DNS',
  EAI_AGAIN: 'DNS did not answer; retried at the next poll',
  EAI_NODATA: 'the host name has no address',
  EACCES: 'the system refused to send there (a broadcast address?)',
  EPERM: 'the system refused to send there (a firewall rule?)',
  ENETUNREACH: 'no route to that network',
  EHOSTUNREACH: 'no route to that host',
  EADDRNOTAVAIL: 'not an address this host can send to',
  EINVAL: 'not an address this host can send to',
};

/** Other system codes worth a word. */
const OTHER_FAILURES: Record<string, string> = {
  ERR_OSSL_EVP_UNSUPPORTED: 'a cipher this Node.js lacks: DES needs OpenSSL\'s legacy provider',
};

/**
 * The coded error a source throws. `rediscovered`: a fresh SNMPv3 session
 * with engine discovery got the same refusal, so it is not a stale engine.
 */
export function toError(err: unknown, t: SnmpTarget, rediscovered = false): DcprobeError {
  const where = describeTarget(t);
  const tries = t.retries + 1;
  if (err instanceof snmp.RequestTimedOutError) {
    return new DcprobeError(E.SNMP_TIMEOUT, `no response from ${where} after ${tries} ${tries === 1 ? 'try' : 'tries'}`);
  }
  if (err instanceof snmp.ResponseInvalidError) {
    const code = (err as { code?: number }).code;
    const name = code !== undefined ? String(RIC[code] ?? code) : 'unknown';
    if (code === RIC.ENotInTimeWindow) {
      return new DcprobeError(E.SNMP_AUTH, `SNMPv3 engine of ${where} answers outside its time window${rediscovered ? ' even to a new session with engine discovery (its clock or boot counter is inconsistent)' : ''} (${name})`);
    }
    if (code !== undefined && AUTH_CODES.has(code)) {
      // USM report texts are fixed strings ("Unknown User Name", "Wrong Digest …").
      const usm = code === RIC.EAuthFailure ? `: ${(err as Error).message}` : ` (${name})`;
      return new DcprobeError(E.SNMP_AUTH, `SNMPv3 credentials rejected by ${where}${usm}`);
    }
    return new DcprobeError(E.SNMP_ERROR, `invalid response from ${where} (${name})`);
  }
  if (err instanceof snmp.RequestFailedError) {
    // errorStatus names and OIDs only ("NoSuchName: 1.3.6…").
    return new DcprobeError(E.SNMP_ERROR, `SNMP error from ${where}: ${(err as Error).message}`, { cause: err });
  }
  const sys = (err as NodeJS.ErrnoException | undefined)?.code;
  if (typeof sys === 'string' && SEND_FAILURES[sys]) {
    // System errors name the host and the call (getaddrinfo, send), never a secret.
    return new DcprobeError(E.SNMP_ERROR, `cannot send to ${where}: ${sys} (${SEND_FAILURES[sys]})`, { cause: err });
  }
  if (typeof sys === 'string') {
    return new DcprobeError(E.SNMP_ERROR, `SNMP failure talking to ${where}: ${sys}${OTHER_FAILURES[sys] ? ` (${OTHER_FAILURES[sys]})` : ''}`, { cause: err });
  }
  // An uncoded library error: its class only, since its text is not known to be free of secrets.
  const name = err instanceof Error ? err.name : typeof err;
  return new DcprobeError(E.SNMP_ERROR, `SNMP failure talking to ${where} (${name})`);
}
