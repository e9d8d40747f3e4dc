/**
 * The only registry of source kinds. The agent's config schema takes its
 * allowed `kind` values from here; adding a device kind is adding one file
 * and one line below.
 */
import type { SourceKind, TargetBase } from './types.ts';

export const SOURCES: Record<string, SourceKind<TargetBase>> = {};

export function registerSource(k: SourceKind<any>): void {
  SOURCES[k.kind] = k as SourceKind<TargetBase>;
}

export type { Reading, SourceInstance, SourceKind, TargetBase, PollContext, SourceDeps } from './types.ts';
