/**
 * The closed state vocabulary (docs/architecture.md "The flow of one fact").
 * Everything that reads a device maps its answer into one of these; anything
 * outside them is rejected at the edge, never stored.
 */
export const PORT_STATES = ['up', 'down', 'unknown'] as const;
export const POWER_STATES = ['mains', 'battery', 'bypass', 'off', 'unknown'] as const;

export type PortState = (typeof PORT_STATES)[number];
export type PowerState = (typeof POWER_STATES)[number];
export type State = PortState | PowerState;

/** What a subject measures: a switch port / uplink, or a power feed / UPS output. */
export const SUBJECT_KINDS = ['port', 'power'] as const;
export type SubjectKind = (typeof SUBJECT_KINDS)[number];

/** How a transition was seen: a poll, a trap, or a poll timed from ifLastChange. */
export const SEEN_VIA = ['poll', 'trap', 'lastchange', 'gap', 'resync'] as const;
export type SeenVia = (typeof SEEN_VIA)[number];

/**
 * A switch port's administrative state: IF-MIB ifAdminStatus by name, carried
 * with every port event as `evidence.admin` (null when it could not be read).
 * It is evidence beside the state, which comes from ifOperStatus alone: a port
 * `down` with admin `down` was shut administratively (docs/sla-rules.md §2).
 */
export const ADMIN_STATUSES = ['up', 'down', 'testing'] as const;
export type AdminStatus = (typeof ADMIN_STATUSES)[number];

export function isAdminStatus(s: unknown): s is AdminStatus {
  return typeof s === 'string' && (ADMIN_STATUSES as readonly string[]).includes(s);
}

export function isPortState(s: unknown): s is PortState {
  return typeof s === 'string' && (PORT_STATES as readonly string[]).includes(s);
}

export function isPowerState(s: unknown): s is PowerState {
  return typeof s === 'string' && (POWER_STATES as readonly string[]).includes(s);
}

export function isStateOf(kind: SubjectKind, s: unknown): boolean {
  return kind === 'port' ? isPortState(s) : isPowerState(s);
}

/** Power is delivered while mains, battery or bypass carry the load (docs/sla-rules.md §2). */
export function isPowered(s: PowerState): boolean | undefined {
  if (s === 'unknown') return undefined;
  return s !== 'off';
}
