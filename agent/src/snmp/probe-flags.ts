/**
 * The SNMP flags of `dcprobe-agent probe` (snmp-switch, snmp-ups, snmp-pdu),
 * listed once: `probe --help` prints them and each kind's probe refuses any
 * flag not listed. Values never appear in errors (a key may be among them).
 */
import type { FlagSpec } from '@dcprobe/shared';

export const SNMP_PROBE_FLAGS: readonly FlagSpec[] = [
  { name: 'community', value: 'C', help: 'SNMPv2c community (default public)' },
  { name: 'version', value: '2c|3', help: 'SNMP version (default 2c, or 3 with --v3-user)' },
  { name: 'v3-user', value: 'U', help: 'SNMPv3 user name' },
  { name: 'level', value: 'L', help: 'noAuthNoPriv|authNoPriv|authPriv (default: from the keys given)' },
  { name: 'auth-proto', value: 'P', help: 'md5|sha|sha224|sha256|sha384|sha512 (default sha)' },
  { name: 'auth-key', value: 'K', help: 'SNMPv3 authentication key' },
  { name: 'priv-proto', value: 'P', help: 'des|aes|aes256b|aes256r (default aes)' },
  { name: 'priv-key', value: 'K', help: 'SNMPv3 privacy key' },
  { name: 'timeout', value: 'MS', help: 'per-request timeout in milliseconds (default 1000)' },
  { name: 'retries', value: 'N', help: 'retries per request (default 1)' },
];

/** The names (no dashes) of a flag list, for a kind's check of what it was given. */
export function flagNames(flags: readonly FlagSpec[]): Set<string> {
  return new Set(flags.map((f) => f.name));
}
