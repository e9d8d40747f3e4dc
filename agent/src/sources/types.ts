/**
 * One Source type for every device kind (blackbox_exporter's ProbeFn idea):
 * a kind declares its target schema and opens an instance; the instance only
 * returns readings or throws a coded error. The poll loop owns timing, the
 * abort signal, self-metrics, and turning a failure into `unknown`.
 *
 * A kind that takes traps says so on its instances (`claimsTrap`, `onTrap`):
 * the trap receiver hands each trap to the instance that claims its sender,
 * and knows nothing of kinds.
 */
import type { z } from 'zod';
import type { Logger } from 'pino';
import type { FlagSpec, State, SubjectKind, SeenVia } from '@dcprobe/shared';
import type { Notification, TrapClaim, TrapCredential } from '../snmp/types.ts';
import type { SharedSockets } from '../snmp/shared-socket.ts';

export interface Reading {
  /** `<device>/<ifName>`, `<ups>/output`, `<pdu>/<feed>`. */
  subject: string;
  kind: SubjectKind;
  state: State;
  /**
   * When the device says the state began (ifLastChange against sysUpTime),
   * in UTC ms; absent when the device cannot tell, and the tracker uses the poll time.
   */
  since?: number;
  /** How this reading was obtained, when not a plain poll. */
  via?: SeenVia;
  /**
   * A port up now and at the previous poll whose device says it changed in
   * between (ifLastChange moved): up at `since` (that poll), up again from
   * `at` (the change, in UTC ms). The tracker turns it into a hidden flap.
   */
  hiddenFlap?: { since: number; at: number };
  /** Raw readings behind the state (ifOperStatus value, ups.status text …), kept as evidence. */
  evidence: Record<string, unknown>;
  /** Numeric readings worth exporting as agent metrics (battery charge, runtime …). */
  gauges?: Record<string, number>;
}

export interface PollContext {
  signal: AbortSignal;
  /** The agent's clock, injected so tests control time. */
  now: () => number;
  log: Logger;
}

/** What a source makes of a trap it claimed. */
export interface TrapOutcome {
  /** States the trap itself announces (a linkDown naming a polled port), recorded at once as `trap`. */
  readings: Reading[];
  /** Poll this target now to confirm (the trap says something may have changed). */
  pollNow: boolean;
  /** What the source read in the trap, for the debug log (`{ kind: 'linkDown', ifIndex: 7 }`). */
  detail?: Record<string, unknown>;
}

export interface SourceInstance {
  poll(ctx: PollContext): Promise<Reading[]>;
  close(): void;
  /**
   * Whether a trap from `address` (normalised, snmp/address.ts) with this
   * credential is this instance's; the receiver prefers a `credential` claim
   * to an `address` one, then the first target in the config.
   */
  claimsTrap?(address: string, credential: TrapCredential): TrapClaim | null;
  onTrap?(n: Notification): TrapOutcome;
}

export interface SourceDeps {
  log: Logger;
  now: () => number;
  /** For kinds that send GETBULK: the max-repetitions in use now (0: GETNEXT), for the agent's gauge. */
  snmpMaxRepetitions?: (n: number) => void;
  /** The agent's shared SNMP sockets (one per address family); kinds open their own without. */
  snmpSockets?: SharedSockets;
  /** Calls `fn` on every match of a cron expression, shared across targets; returns the unsubscribe. Kinds fall back to their own timer. */
  schedule?: (expression: string, fn: () => void) => () => void;
}

/** Fields every target has, whatever its kind. */
export interface TargetBase {
  kind: string;
  name: string;
  intervalSeconds: number;
}

export interface SourceKind<T extends TargetBase = TargetBase> {
  kind: T['kind'];
  /** Schema of this kind's target config (including the common fields). */
  schema: z.ZodType<T>;
  open(target: T, deps: SourceDeps): SourceInstance;
  probe?: ProbeSupport<T>;
  discover?: DiscoverSupport;
}

/**
 * What a kind offers to `dcprobe-agent discover KIND HOST[:PORT] [flags]`: read
 * the device once and propose config for it, checked by the programs' own schemas.
 */
export interface DiscoverSupport {
  defaultPort: number;
  /** One line per flag for --help (`--alias-pattern RE  …`). */
  flags: readonly string[];
  /** Reads the device; throws a coded error naming the flag when one is wrong. */
  run(host: string, port: number, flags: Record<string, string | boolean>, deps: SourceDeps): Promise<Discovered>;
}

export interface Discovered {
  /** A target block for agent.yml (`targets:`), valid for its kind's schema. */
  target: Record<string, unknown>;
  /** A block for collector.yml (`customers:`): customer ids and the subjects they hold. */
  customers: Record<string, unknown>[];
  /** What the operator should know: interfaces skipped and why, patterns that matched nothing. */
  notes: string[];
}

/**
 * What a kind offers to `dcprobe-agent probe KIND HOST[:PORT] [flags] [--json]`:
 * the generic probe command builds a target from the command line, polls once
 * and prints each reading.
 */
export interface ProbeSupport<T extends TargetBase> {
  defaultPort: number;
  /** Every flag `target` takes, with its help: `probe --help` lists them, and no other flag is accepted. */
  flags: readonly FlagSpec[];
  /** Builds a target; throws a coded error naming the flag when one is wrong. */
  target(host: string, port: number, flags: Record<string, string | boolean>): T;
  /** One object per reading for `--json`. */
  json(r: Reading): Record<string, unknown>;
  /** One line per reading for humans. */
  text(r: Reading): string;
  /** What to tell the operator when the device answered with nothing to read (`lists no interfaces …`). */
  none?: string;
}
