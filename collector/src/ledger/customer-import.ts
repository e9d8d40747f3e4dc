/**
 * Customers from a CSV file (`dcprobe-collector customers import`, POST
 * /api/v1/customers/import). Each row adds a customer, records a new version of
 * one (a port re-patched), or ends one, as of `validFrom`, through the customer
 * history (customers.ts), so every change keeps its tenure and its audit row.
 * Every row is checked, as the config's `customers` entries are, before any is
 * applied: a file with one bad row changes nothing. A row that would change
 * nothing (the same file imported again) is `unchanged` and records no version.
 *
 * Columns (a header row, any order; only `id` is required):
 *   id, action (set | end; default set), validFrom (ISO 8601 with an offset; default now),
 *   name, timezone, ports, uplinks, redundancy, feeds
 * ports, uplinks and feeds hold subjects separated by spaces. For an existing
 * customer an empty cell keeps what its latest version has.
 *
 * An ended customer's version holds no service: from validFrom on its ports and
 * feeds are nobody's, and its month's figures cover only the time it held them.
 */
import { DcprobeError, E, fieldPath, parseInstant } from '@dcprobe/shared';
import { customerSchema, type CustomerConfig } from '../config.ts';
import { stableJson } from '../lib/stable-json.ts';
import type { Customers } from './customers.ts';
import { readCsvRecords } from './csv-records.ts';

export const IMPORT_COLUMNS = ['id', 'action', 'validFrom', 'name', 'timezone', 'ports', 'uplinks', 'redundancy', 'feeds'] as const;
type Column = (typeof IMPORT_COLUMNS)[number];
const SPEC_COLUMNS: readonly Column[] = ['name', 'timezone', 'ports', 'uplinks', 'redundancy', 'feeds'];
/** Beyond this many problems the rest of the file is not worth reading out. */
const MAX_ERRORS = 50;

export type ImportAction = 'create' | 'new_version' | 'end' | 'unchanged';
export interface PlannedChange { line: number; id: string; action: ImportAction; validFrom: number; spec: CustomerConfig }

/** A version that holds no service marks the customer's end. */
export const isEnded = (spec: CustomerConfig): boolean => !spec.network && !spec.power;

const list = (cell: string) => cell.split(/\s+/).filter(Boolean);

/** Which column a schema path belongs to, so an error names what the operator typed. */
function columnOf(path: readonly PropertyKey[]): string {
  const p = fieldPath(path as (string | number)[]);
  for (const [prefix, col] of [['network.ports', 'ports'], ['network.uplinks', 'uplinks'], ['network.redundancy', 'redundancy'], ['power.feeds', 'feeds'], ['network', 'ports']] as const) {
    if (p === prefix || p.startsWith(`${prefix}[`) || p.startsWith(`${prefix}.`)) return p === prefix ? col : `${col}${p.slice(prefix.length)}`;
  }
  return p || 'row';
}

/** The spec a `set` row asks for: the latest version's, with the row's non-empty cells over it. */
function specOf(cells: Partial<Record<Column, string>>, id: string, base: CustomerConfig | undefined): Record<string, unknown> {
  const raw: Record<string, unknown> = base ? structuredClone(base) as Record<string, unknown> : {};
  raw.id = id;
  if (cells.name) raw.name = cells.name;
  if (cells.timezone) raw.timezone = cells.timezone;
  if (cells.ports || cells.uplinks || cells.redundancy) {
    raw.network = {
      ...(base?.network ?? {}),
      ...(cells.ports ? { ports: list(cells.ports) } : {}),
      ...(cells.uplinks ? { uplinks: list(cells.uplinks) } : {}),
      ...(cells.redundancy ? { redundancy: cells.redundancy } : {}),
    };
  }
  if (cells.feeds) raw.power = { feeds: list(cells.feeds) };
  return raw;
}

function header(fields: string[]): Column[] {
  const cols = fields.map((f) => f.trim());
  for (const c of cols) {
    if (!(IMPORT_COLUMNS as readonly string[]).includes(c)) throw new DcprobeError(E.VALIDATION, `line 1: column ${JSON.stringify(c)}: unknown (columns: ${IMPORT_COLUMNS.join(', ')})`);
  }
  const dup = cols.find((c, i) => cols.indexOf(c) !== i);
  if (dup) throw new DcprobeError(E.VALIDATION, `line 1: column ${JSON.stringify(dup)}: given twice`);
  if (!cols.includes('id')) throw new DcprobeError(E.VALIDATION, 'line 1: column "id": required');
  return cols as Column[];
}

/** Checks every row against the customers as they are; throws one coded error listing every problem found. */
export function planImport(csv: string, customers: Pick<Customers, 'latest'>, now: number): PlannedChange[] {
  const [head, ...rows] = readCsvRecords(csv);
  if (!head) throw new DcprobeError(E.VALIDATION, 'line 1: expected a header row (id, …)');
  const cols = header(head.fields);
  if (rows.length === 0) throw new DcprobeError(E.VALIDATION, 'line 2: no customer rows after the header');
  const errors: string[] = [];
  const seen = new Map<string, number>();
  const plan: PlannedChange[] = [];
  for (const r of rows) {
    if (errors.length >= MAX_ERRORS) break;
    const bad = (col: string, msg: string) => { errors.push(`line ${r.line}: ${col}: ${msg}`); };
    if (r.fields.length !== cols.length) { bad('row', `${r.fields.length} fields, the header has ${cols.length}`); continue; }
    const cells = Object.fromEntries(cols.map((c, i) => [c, r.fields[i]!.trim()])) as Partial<Record<Column, string>>;
    const id = cells.id ?? '';
    if (seen.has(id)) { bad('id', `${JSON.stringify(id)} is already on line ${seen.get(id)}`); continue; }
    seen.set(id, r.line);
    const action = cells.action || 'set';
    if (action !== 'set' && action !== 'end') { bad('action', 'expected set or end'); continue; }
    let validFrom = now;
    try { if (cells.validFrom) validFrom = parseInstant(cells.validFrom, 'validFrom'); } catch (e) { errors.push(`line ${r.line}: ${(e as Error).message}`); continue; }
    const latest = customers.latest(id);
    if (action === 'end') {
      const extra = SPEC_COLUMNS.find((c) => cells[c]);
      if (extra) { bad(extra, 'not used with action end'); continue; }
      if (!latest) { bad('id', `no customer ${JSON.stringify(id)} to end`); continue; }
      const spec: CustomerConfig = { id, ...(latest.spec.name ? { name: latest.spec.name } : {}), timezone: latest.spec.timezone, terms: latest.spec.terms };
      plan.push({ line: r.line, id, action: isEnded(latest.spec) ? 'unchanged' : 'end', validFrom, spec });
      continue;
    }
    const parsed = customerSchema.safeParse(specOf(cells, id, latest?.spec));
    if (!parsed.success) {
      const i = parsed.error.issues[0]!;
      bad(i.code === 'unrecognized_keys' ? i.keys[0]! : columnOf(i.path), i.message);
      continue;
    }
    const same = latest && stableJson(latest.spec) === stableJson(parsed.data);
    plan.push({ line: r.line, id, action: same ? 'unchanged' : latest ? 'new_version' : 'create', validFrom, spec: parsed.data });
  }
  if (errors.length > 0) throw new DcprobeError(E.VALIDATION, errors.join('\n'));
  return plan;
}

export interface AppliedChange { line: number; id: string; action: ImportAction; version: number | null; validFrom: number }

/** Records the planned versions in one transaction (all or none); `unchanged` rows record nothing. */
export async function applyImport(plan: readonly PlannedChange[], customers: Pick<Customers, 'putMany'>, actor: string, now: number): Promise<AppliedChange[]> {
  const changed = plan.filter((p) => p.action !== 'unchanged');
  const versions = await customers.putMany(changed.map((p) => ({ spec: p.spec, validFrom: p.validFrom })), 'api', actor, now);
  const byLine = new Map(changed.map((p, i) => [p.line, versions[i]!.version]));
  return plan.map((p) => ({ line: p.line, id: p.id, action: p.action, validFrom: p.validFrom, version: byLine.get(p.line) ?? null }));
}
