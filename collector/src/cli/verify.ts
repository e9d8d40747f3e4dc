/**
 * Checking issued evidence offline, for `dcprobe-collector verify` and
 * `dcprobe-collector reconcile --verify`:
 *
 *   verify MANIFEST.json | SCENARIO.json [--public-key PROVIDER.pem]...
 *
 * A statement manifest: its seal, each listed file's SHA-256 (files beside the
 * manifest), the scenario export's own seal, and the figures recomputed from
 * the scenario against those the manifest and the export state; the CSV
 * recomputed byte for byte. A scenario export: its seal and its figures.
 * A signature is checked with a public key given on the command line, never
 * with anything inside the file. Exit 0 verified, 2 bad usage or unreadable
 * input, 3 something does not verify (each failing check is named).
 */
import { readFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { KeyObject } from 'node:crypto';
import { createHash } from 'node:crypto';
import { DcprobeError, E, isCoded } from '@dcprobe/shared';
import { figureDifferences, figuresOf } from '../evidence/figures.ts';
import { publicKeyFromPem } from '../evidence/keys.ts';
import { checkSeal, unseal, type Evidence, type JsonObject, type SealCheck } from '../evidence/seal.ts';
import { toCsv } from '../sla/csv.ts';
import { reconcile } from '../sla/reconcile.ts';
import { parseScenario } from '../sla/scenario.ts';
import type { ReconcileResult } from '../sla/types.ts';
import type { CliIo, CommandSpec } from '@dcprobe/shared';

export const VERIFY_FAILED = 3;

/** The command's flags, listed once, for `verify --help`. */
export const VERIFY: CommandSpec = {
  name: 'verify', args: 'MANIFEST.json|SCENARIO.json',
  summary: 'check a statement (its manifest, with the files beside it) or a scenario export offline and recompute its minutes; exit 3 when something does not verify',
  flags: [{ name: 'public-key', value: 'PEM', help: "the provider's public key to check the signature with (may be given more than once)" }],
};
const USAGE = 'usage: dcprobe-collector verify MANIFEST.json|SCENARIO.json [--public-key PROVIDER.pem]...';
const FILE_NAME = /^[A-Za-z0-9_-][A-Za-z0-9._-]{0,200}$/;

export interface Checked { lines: string[]; ok: boolean }

/** A parsed file's seal: its document (what parseScenario takes) and what was checked. */
export function openEvidence(file: unknown, o: { label: string; keys?: readonly KeyObject[] | undefined; required: boolean }): Checked & { document: JsonObject; evidence?: Evidence; seal?: SealCheck } {
  const { document, evidence } = unseal(file);
  if (!evidence) return { document, lines: [`${o.label}: no evidence block`], ok: !o.required };
  const c = checkSeal(document, evidence, o.keys);
  const lines = [`${o.label}: digest ${c.digest === 'ok' ? 'ok' : 'MISMATCH (changed after it was issued)'}`];
  const sig: Record<typeof c.signature, string> = {
    ok: `ok (key ${c.keyId})`, invalid: `INVALID (key ${c.keyId})`, unknown_key: `by an unknown key ${c.keyId}`,
    unsigned: 'none (only the digest was checked)', not_checked: `not checked: give the provider's public key with --public-key (key ${c.keyId})`,
  };
  lines.push(`${o.label}: signature ${sig[c.signature]}`);
  return { document, evidence, seal: c, lines, ok: c.digest === 'ok' && (c.signature === 'ok' || c.signature === 'unsigned') };
}

/** The recomputed figures against those the evidence states. */
export function checkFigures(label: string, evidence: Evidence | undefined, result: ReconcileResult): Checked {
  if (!evidence?.figures) return { lines: [`${label}: no figures stated`], ok: false };
  const diff = figureDifferences(evidence.figures, figuresOf(result));
  return diff.length === 0 ? { lines: [`${label}: figures recomputed: match`], ok: true } : { lines: diff.map((d) => `${label}: ${d}`), ok: false };
}

export async function verifyCommand(args: string[], io: CliIo): Promise<number> {
  const files: string[] = [], keyFiles: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === '--public-key') { const v = args[++i]; if (!v) { io.err(`verify: --public-key: a file is required\n${USAGE}`); return 2; } keyFiles.push(v); } else if (a.startsWith('--')) { io.err(`verify: unknown flag ${JSON.stringify(a)}\n${USAGE}`); return 2; } else files.push(a);
  }
  if (files.length !== 1) { io.err(`verify: give one file\n${USAGE}`); return 2; }
  try {
    const keys = await Promise.all(keyFiles.map(async (f) => publicKeyFromPem(await readFile(f, 'utf8'))));
    const path = files[0]!;
    const json = await readJson(path);
    const checked = isManifest(json) ? await verifyStatement(path, json, keys.length ? keys : undefined) : verifyScenario(basename(path), json, keys.length ? keys : undefined);
    for (const l of checked.lines) io.out(l);
    io.out(checked.ok ? 'verified' : 'NOT VERIFIED');
    return checked.ok ? 0 : VERIFY_FAILED;
  } catch (e) {
    if (isCoded(e)) { io.err(`verify: ${e.message}`); return 2; }
    throw e;
  }
}

function isManifest(json: unknown): json is JsonObject {
  return typeof json === 'object' && json !== null && (json as JsonObject).format === 'dcprobe-statement/1';
}

function verifyScenario(label: string, json: unknown, keys: readonly KeyObject[] | undefined): Checked & { result?: ReconcileResult } {
  const seal = openEvidence(json, { label, keys, required: true });
  if (!seal.evidence) return seal;
  const result = reconcile(parseScenario(seal.document));
  const figures = checkFigures(label, seal.evidence, result);
  return { lines: [...seal.lines, ...figures.lines], ok: seal.ok && figures.ok, result };
}

async function verifyStatement(path: string, manifest: JsonObject, keys: readonly KeyObject[] | undefined): Promise<Checked> {
  const label = basename(path), dir = dirname(path);
  const seal = openEvidence(manifest, { label, keys, required: true });
  const lines = [...seal.lines];
  let ok = seal.ok;
  const listed = Array.isArray(manifest.files) ? manifest.files as { name?: unknown; sha256?: unknown }[] : [];
  let scenario: (Checked & { result?: ReconcileResult }) | undefined, csv: Buffer | undefined;
  for (const f of listed) {
    if (typeof f.name !== 'string' || !FILE_NAME.test(f.name)) { lines.push(`${label}: a listed file name is not a plain name`); ok = false; continue; }
    let bytes: Buffer;
    try { bytes = await readFile(join(dir, f.name)); } catch { lines.push(`${f.name}: MISSING`); ok = false; continue; }
    const good = createHash('sha256').update(bytes).digest('hex') === f.sha256;
    lines.push(`${f.name}: sha256 ${good ? 'ok' : 'MISMATCH'}`);
    ok &&= good;
    if (f.name.endsWith('.scenario.json')) scenario = verifyScenario(f.name, parseJson(f.name, bytes.toString('utf8')), keys);
    if (f.name.endsWith('.csv')) csv = bytes;
  }
  if (!scenario?.result) { lines.push(`${label}: no scenario export to recompute the figures from`); return { lines, ok: false }; }
  const figures = checkFigures(label, seal.evidence, scenario.result);
  lines.push(...scenario.lines, ...figures.lines);
  ok = ok && scenario.ok && figures.ok;
  if (csv) {
    const same = csv.equals(Buffer.from(toCsv(scenario.result), 'utf8'));
    lines.push(`${label}: csv recomputed: ${same ? 'match' : 'DIFFERS'}`);
    ok &&= same;
  }
  return { lines, ok };
}

async function readJson(path: string): Promise<unknown> {
  let text: string;
  try { text = await readFile(path, 'utf8'); } catch (e) { throw usage(`cannot read ${path}: ${(e as NodeJS.ErrnoException).code ?? 'error'}`); }
  return parseJson(path, text);
}

function parseJson(name: string, text: string): unknown {
  try { return JSON.parse(text); } catch { throw usage(`${name}: not valid JSON`); }
}

function usage(message: string): DcprobeError {
  return new DcprobeError(E.VALIDATION, message);
}
