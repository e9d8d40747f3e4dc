/**
 * IF-MIB (RFC 2863) as data: the OIDs the switch source reads and the enum
 * maps that turn ifOperStatus / ifAdminStatus into the project's vocabulary.
 * A vendor with other columns or other meanings is another table like this one.
 *
 * Port state and admin state. The state is ifOperStatus alone (OPER_STATE):
 * up(1) → up; down(2), testing(3), dormant(5), notPresent(6),
 * lowerLayerDown(7) → down, since none of them carries the customer's
 * traffic; unknown(4) and values outside 1–7 → unknown, never down. Every
 * port event carries ifAdminStatus as evidence, as read (`ifAdminStatus`,
 * the number) and by name (`admin`: up, down or testing): a port that is down
 * with `admin: down` was shut administratively, on purpose; `admin: testing`
 * is in a test mode (its ifOperStatus is then testing(3), so down). Poll
 * events take it from the poll that made them, which reads it for every port
 * whose ifOperStatus or ifLastChange moved, every port a trap named since the
 * last poll, and every port after a failed poll; trap events from the trap's
 * own ifAdminStatus varbind or else the last poll. Where nothing could be read
 * (the device did not answer, a configured port it does not have) the event
 * still carries both keys, null. Whether an administrative shutdown counts
 * against the SLA is the collector's rule, not the agent's (docs/sla-rules.md).
 */
import type { AdminStatus, PortState } from '@dcprobe/shared';

export const SYS_UPTIME = '1.3.6.1.2.1.1.3.0';

/** Columns of ifTable (…2.2.1.N) and ifXTable (…31.1.1.1.N), without the row index. */
export const IF = {
  ifIndex: '1.3.6.1.2.1.2.2.1.1',
  ifDescr: '1.3.6.1.2.1.2.2.1.2',
  ifAdminStatus: '1.3.6.1.2.1.2.2.1.7',
  ifOperStatus: '1.3.6.1.2.1.2.2.1.8',
  ifLastChange: '1.3.6.1.2.1.2.2.1.9',
  ifName: '1.3.6.1.2.1.31.1.1.1.1',
  ifAlias: '1.3.6.1.2.1.31.1.1.1.18',
} as const;

/** What discovery walks: names and descriptions change only on reconfiguration. */
export const DISCOVERY_COLUMNS = [IF.ifDescr, IF.ifName, IF.ifAlias] as const;
/**
 * What every poll reads per selected interface. ifAdminStatus is read only
 * for the ports whose ifOperStatus or ifLastChange moved (and on a first
 * read): every event comes from such a port, and a third column in every
 * poll would cost a third more requests and varbinds for nothing.
 */
export const STATUS_COLUMNS = [IF.ifOperStatus, IF.ifLastChange] as const;

/**
 * ifOperStatus → port state. Only `up` carries traffic; `unknown` (4) means the
 * device itself cannot tell, so it must not count as an outage. dormant (5)
 * and lowerLayerDown (7) do not carry customer traffic: down.
 */
export const OPER_STATE: Readonly<Record<number, PortState>> = {
  1: 'up', // up
  2: 'down', // down
  3: 'down', // testing
  4: 'unknown', // unknown
  5: 'down', // dormant
  6: 'down', // notPresent
  7: 'down', // lowerLayerDown
};

export const OPER_NAMES: Readonly<Record<number, string>> = {
  1: 'up', 2: 'down', 3: 'testing', 4: 'unknown', 5: 'dormant', 6: 'notPresent', 7: 'lowerLayerDown',
};

export const ADMIN_STATUS: Readonly<Record<number, AdminStatus>> = { 1: 'up', 2: 'down', 3: 'testing' };

/** SNMPv2-MIB notification OIDs (RFC 3418 / RFC 2863 §6). */
export const TRAP = {
  snmpTrapOID: '1.3.6.1.6.3.1.1.4.1.0',
  coldStart: '1.3.6.1.6.3.1.1.5.1',
  warmStart: '1.3.6.1.6.3.1.1.5.2',
  linkDown: '1.3.6.1.6.3.1.1.5.3',
  linkUp: '1.3.6.1.6.3.1.1.5.4',
} as const;

/** TimeTicks are 32-bit centiseconds: sysUpTime wraps after ~497 days. */
export const TICKS_WRAP = 2 ** 32;
