/**
 * The one address normaliser, and the set of addresses a configured device
 * sends traps from. The trap receiver normalises each sender once; sources
 * normalise the addresses they are configured with through the same function,
 * so `2001:0DB8:0:0::5` in a config and `2001:db8::5` on a socket are one address.
 */
import { isIP } from 'node:net';
import { lookup } from 'node:dns/promises';
import type { Logger } from 'pino';
import type { TrapClaim, TrapCredential } from './types.ts';

/**
 * Addresses compare as text once canonical: IPv6 in its shortest lower-case
 * form (the URL parser's), IPv4-mapped IPv6 (`::ffff:10.0.0.1`, as a
 * dual-stack socket reports an IPv4 sender) unwrapped, zone ids dropped.
 * Host names are only lower-cased.
 */
export function normAddress(a: string): string {
  const s = a.toLowerCase().replace(/%.*$/, '');
  if (isIP(s) !== 6) return s;
  let c: string;
  try { c = new URL(`http://[${s}]/`).hostname.slice(1, -1); } catch { return s; }
  const mapped = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(c);
  if (!mapped) return c;
  const hi = parseInt(mapped[1]!, 16), lo = parseInt(mapped[2]!, 16);
  return [hi >> 8, hi & 255, lo >> 8, lo & 255].join('.');
}

/** Who a configured SNMP device is, for deciding whether a trap is its own. */
export interface TrapSender {
  /** The polled host (an address or a name). */
  host: string;
  /** Further addresses it sends from (a loopback or management VRF). */
  trapFrom?: readonly string[];
  community?: string | undefined;
  user?: { name: string } | undefined;
}

/**
 * The claim of one configured device on traps: `credential` when the sender
 * address is one of its own and the trap carries its community or v3 user
 * (two devices behind one address), `address` on the address alone.
 * A host name is resolved once, in the background: until it resolves (or if
 * it fails) the name's traps are not claimed.
 */
export function trapClaimer(s: TrapSender, log: Logger): (address: string, credential: TrapCredential) => TrapClaim | null {
  const addresses = new Set([s.host, ...(s.trapFrom ?? [])].map(normAddress));
  if (isIP(s.host) === 0) {
    lookup(s.host, { all: true }).then(
      (as) => as.forEach((a) => addresses.add(normAddress(a.address))),
      (err: Error) => log.warn({ host: s.host, err: err.message }, 'cannot resolve host for trap mapping'),
    );
  }
  return (address, credential) => {
    if (!addresses.has(address)) return null;
    const same = (credential.community !== undefined && credential.community === s.community) ||
      (credential.user !== undefined && credential.user === s.user?.name);
    return same ? 'credential' : 'address';
  };
}
