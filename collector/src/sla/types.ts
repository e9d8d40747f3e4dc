/**
 * Types of the reconciliation core (docs/sla-rules.md). The input is typed data with
 * instants as UTC milliseconds, so the live collector can hand over what its store
 * holds; `parseScenario` builds the same input from a scenario file.
 */
import type { AdminStatus, State } from '@dcprobe/shared';

export const SERVICES = ['network', 'power'] as const;
export type Service = (typeof SERVICES)[number];

export const REDUNDANCY = ['any', 'all'] as const;
export type Redundancy = (typeof REDUNDANCY)[number];

export const UNVERIFIED_POLICIES = ['count', 'exclude'] as const;
export type UnverifiedPolicy = (typeof UNVERIFIED_POLICIES)[number];

export const EXCLUSION_CATEGORIES = [
  'maintenance', 'customer_authorized', 'customer_negligence', 'force_majeure', 'line_damage', 'expansion',
] as const;
export type ExclusionCategory = (typeof EXCLUSION_CATEGORIES)[number];

/**
 * A measured state change of one subject. A repeated state is no change.
 * `admin`: a port's administrative state as its event carried it, shown as
 * evidence (docs/sla-rules.md §2); it changes no figure.
 */
export interface Observation { subject: string; state: State; at: number; admin?: AdminStatus | undefined }

/**
 * A hidden flap (docs/sla-rules.md §2): the subject left its state and came
 * back between two polls. Down somewhere after `since`, back by `at`; how long
 * is unknown, so it counts no seconds.
 */
export interface HiddenFlap { subject: string; since: number; at: number }

export interface NetworkSpec { ports: string[]; redundancy: Redundancy; uplinks: string[] }
export interface PowerSpec { feeds: string[] }

export interface ServiceTerms { target: number; maxDowntimeMinutes?: number | undefined }

export interface Terms {
  network: ServiceTerms;
  power: ServiceTerms;
  reportDeadlineDays: number;
  graceMinutes: number;
  unverified: UnverifiedPolicy;
}

export interface Customer {
  id: string;
  timezone: string;
  network?: NetworkSpec | undefined;
  power?: PowerSpec | undefined;
  terms: Terms;
}

export interface Report {
  id: string;
  customer: string;
  service: Service;
  reportedAt: number;
  noticeAt?: number | undefined;
  claimedStart?: number | undefined;
  claimedEnd?: number | undefined;
  /** Ticket timer only (first response within 2 h); never changes the minutes. */
  firstResponseAt?: number | undefined;
  /** Ticket timer only (written report sent within 4 h); never changes the minutes, nor the statement's figures. */
  writtenReportAt?: number | undefined;
}

export interface Exclusion {
  id: string;
  /** Absent: applies to every customer. */
  customer?: string | undefined;
  /** Absent: applies to both services. */
  service?: Service | undefined;
  start: number;
  end: number;
  category: ExclusionCategory;
  ref: string;
}

export interface ReconcileInput {
  title?: string | undefined;
  /** Calendar month `YYYY-MM`, taken in each customer's time zone. */
  month: string;
  /** Evaluation time: nothing after it is known. */
  asOf: number;
  customers: Customer[];
  /** In any order. Include each subject's last change before the period of interest. */
  observations: Observation[];
  reports: Report[];
  exclusions: Exclusion[];
  /** Listed with their bounds; they change no figure. Absent: none. */
  hiddenFlaps?: HiddenFlap[] | undefined;
}

export const DEFAULT_TIMEZONE = 'Asia/Shanghai';

export function defaultTerms(): Terms {
  return {
    network: { target: 0.999 },
    power: { target: 0.9999 },
    reportDeadlineDays: 5,
    graceMinutes: 10,
    unverified: 'count',
  };
}

// ---- result ----------------------------------------------------------------

export type Verdict = 'confirmed' | 'unverified' | 'late' | 'not_confirmed';
export type Basis = 'contract' | 'measured' | null;

/** An interval rendered for people: ISO 8601 with the customer's offset. */
export interface IsoInterval { start: string; end: string }

export interface TimerResult {
  due: string;
  at: string | null;
  /** true/false once decided; null while still pending at asOf. */
  met: boolean | null;
}

export interface ReportResult {
  id: string;
  verdict: Verdict;
  basis: Basis;
  countableSeconds: number;
  excludedSeconds: number;
  claimedSeconds: number;
  measuredSeconds: number;
  open: boolean;
  // extra fields for the report page
  reportedAt: string;
  noticeAt: string | null;
  claimedStart: string;
  claimedEnd: string;
  /** Which pass decided: 1 (measured outages), 2 (outages or gaps), null (nothing matched). */
  pass: 1 | 2 | null;
  /** Countable windows before exclusions, whole (not clipped to the month). */
  windows: IsoInterval[];
  /** Measured outages this report matches (docs/sla-rules.md §3, last paragraph); end null while open. */
  matchedOutages: { start: string; end: string | null }[];
  /** Exclusions that removed time from this report's countable windows. */
  exclusions: string[];
  timers: { firstResponse: TimerResult; resolution: TimerResult };
}

export interface OutageResult {
  start: string;
  /** null while still open at asOf. */
  end: string | null;
  /** Its part inside the month, up to asOf. */
  seconds: number;
  reportableUntil: string;
}

export interface IncidentResult extends OutageResult { reports: string[] }

export interface GapResult {
  /** null when the service was unknown from before its first observation. */
  start: string | null;
  end: string | null;
  seconds: number;
}

export interface ServiceResult {
  monthSeconds: number;
  allowedSeconds: number;
  countableSeconds: number;
  measuredSeconds: number;
  claimedSeconds: number;
  disputedSeconds: number;
  availability: number;
  breached: boolean;
  feeWaived: boolean;
  coverage: number | null;
  reports: ReportResult[];
  unreported: OutageResult[];
  // extra fields
  monthStart: string;
  monthEnd: string;
  target: number;
  maxDowntimeMinutes: number | null;
  excludedSeconds: number;
  incidents: IncidentResult[];
  gaps: GapResult[];
  /** Exclusions of this customer and service reaching into the month, with the countable time each removed. */
  exclusions: ExclusionResult[];
  /** Hidden flaps of the service's subjects reaching into the month up to asOf, by `end`: evidence only, no seconds. */
  hiddenFlaps: HiddenFlapResult[];
}

/** A hidden flap as listed: down at some instant after `start`, up again at `end`. */
export interface HiddenFlapResult { subject: string; start: string; end: string }

export interface ExclusionResult {
  id: string;
  category: ExclusionCategory;
  ref: string;
  start: string;
  end: string;
  /** Part of the reports' countable windows (union, before exclusions) inside it and the month. */
  removedSeconds: number;
}

export interface CustomerResult {
  id: string;
  timezone: string;
  services: { network?: ServiceResult; power?: ServiceResult };
}

export interface ReconcileResult {
  month: string;
  asOf: string;
  customers: CustomerResult[];
}

// ---- figures: the month without the instants behind it (reconcileFigures) ----

/** A report's figures in the month: what the month's CSV row shows of it. */
export type ReportFigures = Pick<ReportResult,
  'id' | 'verdict' | 'basis' | 'countableSeconds' | 'excludedSeconds' | 'claimedSeconds' | 'measuredSeconds' | 'open' | 'reportedAt' | 'noticeAt'>;

/** A service's month in figures: what decides the fee, the same numbers as its ServiceResult, without the lists. */
export interface ServiceFigures extends Pick<ServiceResult,
  'monthSeconds' | 'allowedSeconds' | 'countableSeconds' | 'measuredSeconds' | 'claimedSeconds' | 'disputedSeconds' | 'availability'
  | 'breached' | 'feeWaived' | 'coverage' | 'target' | 'maxDowntimeMinutes' | 'excludedSeconds'> {
  reports: ReportFigures[];
  /** How many measured outages reaching into the month no report matched (ServiceResult.unreported.length). */
  unreportedCount: number;
}

export interface CustomerFigures {
  id: string;
  timezone: string;
  services: { network?: ServiceFigures; power?: ServiceFigures };
}

export interface FiguresResult {
  month: string;
  asOf: string;
  customers: CustomerFigures[];
}
