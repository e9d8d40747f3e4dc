/**
 * `dcprobe-collector reconcile SCENARIO.json [--month YYYY-MM] [--as-of TIME] [--format json|csv] [--verify] [--public-key PEM]...`:
 * the offline reconciler. Exit 0 with the result on out; exit 2 with a message on
 * err for a bad flag, an unreadable file or an invalid scenario. A file with an
 * evidence block (a scenario export) is reconciled without it; its digest is
 * always checked (a mismatch is reported on err), and with --verify the
 * signature and the figures too, exiting 3 (after printing the result) when
 * something does not verify.
 */
import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { isCoded, isIsoWithOffset, MONTH_RE, parseInstant, type CommandSpec } from '@dcprobe/shared';
import { publicKeyFromPem } from '../evidence/keys.ts';
import { checkFigures, openEvidence, VERIFY_FAILED } from './verify.ts';
import { toCsv } from '../sla/csv.ts';
import { reconcile } from '../sla/reconcile.ts';
import { parseScenario } from '../sla/scenario.ts';
import type { CliIo } from '@dcprobe/shared';


/** The command's flags, listed once: its parser below and `reconcile --help` read them. */
export const RECONCILE: CommandSpec = {
  name: 'reconcile', args: 'SCENARIO.json', summary: 'reconcile an SLA scenario file offline and print the result',
  flags: [
    { name: 'month', value: 'YYYY-MM', help: "the month to reconcile (default: the scenario's)" },
    { name: 'as-of', value: 'TIME', help: "reconcile what was known at TIME, ISO 8601 with an offset (default: the scenario's asOf)" },
    { name: 'format', value: 'json|csv', help: 'output format (default json)' },
    { name: 'verify', help: "check the file's evidence too (digest, signature, the figures it states); exit 3 if it does not verify" },
    { name: 'public-key', value: 'PEM', help: "the provider's public key for --verify (may be given more than once)" },
  ],
};
const USAGE = `usage: dcprobe-collector reconcile SCENARIO.json ${RECONCILE.flags.map((f) => (f.value ? `[--${f.name} ${f.value}]` : `[--${f.name}]`)).join(' ')}`;
const FLAGS: readonly string[] = RECONCILE.flags.map((f) => `--${f.name}`);
type Flag = '--month' | '--as-of' | '--format' | '--public-key';

interface Options { file: string; month?: string; asOf?: number; format: 'json' | 'csv'; verify: boolean; publicKeys: string[] }

class UsageError extends Error {}

function parseArgs(args: readonly string[]): Options {
  const values = new Map<Flag, string>();
  const files: string[] = [], publicKeys: string[] = [];
  let verify = false;
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (!a.startsWith('--')) { files.push(a); continue; }
    if (a === '--verify') { verify = true; continue; }
    const eq = a.indexOf('=');
    const name = (eq >= 0 ? a.slice(0, eq) : a) as Flag;
    if (!FLAGS.includes(name)) throw new UsageError(`unknown flag ${JSON.stringify(a)}\n${USAGE}`);
    const value = eq >= 0 ? a.slice(eq + 1) : args[++i];
    if (value === undefined) throw new UsageError(`${name}: a value is required\n${USAGE}`);
    if (name === '--public-key') { publicKeys.push(value); continue; }
    if (values.has(name)) throw new UsageError(`${name}: given twice`);
    values.set(name, value);
  }
  if (files.length === 0) throw new UsageError(`give a scenario file\n${USAGE}`);
  if (files.length > 1) throw new UsageError(`unexpected argument ${JSON.stringify(files[1])}\n${USAGE}`);

  const opts: Options = { file: files[0]!, format: 'json', verify, publicKeys };
  const month = values.get('--month');
  if (month !== undefined) {
    if (!MONTH_RE.test(month)) throw new UsageError(`--month: expected YYYY-MM, got ${JSON.stringify(month)}`);
    opts.month = month;
  }
  const asOf = values.get('--as-of');
  if (asOf !== undefined) {
    if (!isIsoWithOffset(asOf)) throw new UsageError(`--as-of: expected an ISO 8601 time with an offset, got ${JSON.stringify(asOf)}`);
    opts.asOf = parseInstant(asOf, '--as-of');
  }
  const format = values.get('--format');
  if (format !== undefined) {
    if (format !== 'json' && format !== 'csv') throw new UsageError(`--format: expected json or csv, got ${JSON.stringify(format)}`);
    opts.format = format;
  }
  return opts;
}

export async function reconcileCommand(args: string[], io: CliIo): Promise<number> {
  let opts: Options;
  try {
    opts = parseArgs(args);
  } catch (e) {
    if (e instanceof UsageError) { io.err(`reconcile: ${e.message}`); return 2; }
    throw e;
  }
  let text: string;
  try {
    text = await readFile(opts.file, 'utf8');
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    io.err(`reconcile: cannot read ${opts.file}: ${err.code ?? err.message}`);
    return 2;
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    io.err(`reconcile: ${opts.file}: not valid JSON (${(e as Error).message})`);
    return 2;
  }
  const label = basename(opts.file);
  let result, opened;
  try {
    const keys = await Promise.all(opts.publicKeys.map(async (f) => publicKeyFromPem(await readFile(f, 'utf8'))));
    opened = openEvidence(json, { label, keys: keys.length > 0 ? keys : undefined, required: opts.verify });
    result = reconcile(parseScenario(opened.document, { month: opts.month, asOf: opts.asOf }));
  } catch (e) {
    if (isCoded(e)) { io.err(`reconcile: ${opts.file}: ${e.message}`); return 2; }
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'EACCES') { io.err(`reconcile: cannot read a --public-key file: ${code}`); return 2; }
    throw e;
  }
  let ok = opened.ok;
  if (opts.verify) {
    const figures = opts.month !== undefined || opts.asOf !== undefined
      ? { lines: [`${label}: figures not compared (--month and --as-of change them)`], ok: true }
      : checkFigures(label, opened.evidence, result);
    for (const l of [...opened.lines, ...figures.lines]) io.err(`reconcile: ${l}`);
    ok &&= figures.ok;
  } else if (opened.seal?.digest === 'mismatch') {
    io.err(`reconcile: ${opened.lines[0]}; the figures below are those of the changed file`);
  }
  io.out(opts.format === 'csv' ? toCsv(result) : `${JSON.stringify(result, null, 2)}\n`);
  return opts.verify && !ok ? VERIFY_FAILED : 0;
}
