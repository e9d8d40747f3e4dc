/**
 * The contract between bench/run.ts and a benchmark section: a section is a
 * name and a function that measures and returns its tables. Sections bound
 * their own runtime and clean up whatever they start.
 */
import type { Table } from './table.ts';

export interface BenchOptions {
  /** Shorter phases for a smoke run (CI, trying a change); figures are noisier. */
  quick: boolean;
  /** Write V8 CPU profiles of the measured windows (server side) into this directory. */
  profileDir: string | null;
}

export interface Section {
  name: string;
  run: (opts: BenchOptions) => Promise<Table[]>;
}
