/**
 * NUT's `ups.status` is a closed vocabulary of space-separated tokens. It is
 * parsed once into a set; the power state is decided from that set only,
 * never from substrings of the text.
 */
import type { PowerState } from '@dcprobe/shared';

/** Tokens documented by NUT (docs/new-drivers.txt "Status data"). */
export const NUT_STATUS_TOKENS = [
  'OL', 'OB', 'LB', 'HB', 'RB', 'CHRG', 'DISCHRG', 'BYPASS', 'CAL', 'OFF', 'OVER', 'TRIM',
  'BOOST', 'FSD', 'ALARM', 'TEST', 'OVERHEAT', 'COMMBAD', 'NOCOMM', 'WAIT',
] as const;
export type NutStatusToken = (typeof NUT_STATUS_TOKENS)[number];

const KNOWN = new Set<string>(NUT_STATUS_TOKENS);

export interface ParsedStatus {
  tokens: ReadonlySet<NutStatusToken>;
  /** Tokens outside the vocabulary, kept for evidence and a warning. */
  unrecognised: string[];
}

export function parseStatus(raw: string): ParsedStatus {
  const tokens = new Set<NutStatusToken>();
  const unrecognised: string[] = [];
  for (const t of raw.split(/\s+/)) {
    if (t === '') continue;
    if (KNOWN.has(t)) tokens.add(t as NutStatusToken);
    else unrecognised.push(t);
  }
  return { tokens, unrecognised };
}

/**
 * OFF > BYPASS > OB > OL: an output that is off delivers nothing whatever else
 * is set; on bypass the load is fed from mains around the inverter; OB means
 * the battery carries the load. Nothing of these four → unknown (WAIT, FSD
 * alone, an empty or garbled status).
 */
export function powerStateOf(tokens: ReadonlySet<NutStatusToken>): PowerState {
  if (tokens.has('OFF')) return 'off';
  if (tokens.has('BYPASS')) return 'bypass';
  if (tokens.has('OB')) return 'battery';
  if (tokens.has('OL')) return 'mains';
  return 'unknown';
}
