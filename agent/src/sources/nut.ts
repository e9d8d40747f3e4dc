/**
 * `nut`: UPS outputs read from a NUT upsd over its network protocol.
 *
 * Subject naming (stable, decided by the shape of `ups` in the config, never by
 * how many UPSes upsd happens to list, so adding a UPS to upsd renames nothing):
 *   - `ups: "NAME"`          → `<target.name>/output`
 *   - `ups: [..]` or `"all"` → `<target.name>/<upsName>/output`
 *
 * One LIST VAR per UPS per poll (one round trip gives status and every
 * reading). Per-UPS answers like ERR DATA-STALE or DRIVER-NOT-CONNECTED make
 * that UPS `unknown` with the error as evidence; a dead connection throws, and
 * the poll loop turns the target's subjects `unknown`.
 */
import { existsSync, readFileSync } from 'node:fs';
import { z } from 'zod';
import { DcprobeError, E, type FlagSpec } from '@dcprobe/shared';
import { NutClient } from '../nut/client.ts';
import { isNutError } from '../nut/errors.ts';
import { parseStatus, powerStateOf } from '../nut/status.ts';
import type { ProbeSupport, Reading, SourceInstance, SourceKind } from './types.ts';
import { probeTargetName, targetNameSchema } from './target-name.ts';

const upsName = z.string().regex(/^[A-Za-z0-9._-]{1,64}$/, 'a upsd UPS name: letters, digits, . _ - (at most 64)');

export const nutTargetSchema = z.strictObject({
  kind: z.literal('nut'),
  name: targetNameSchema,
  host: z.string().min(1),
  port: z.number().int().min(1).max(65535).default(3493),
  /** One UPS, several, or every UPS upsd lists (LIST UPS each poll). */
  ups: z.union([z.literal('all'), upsName, z.array(upsName).min(1)]).default('all'),
  username: z.string().min(1).optional(),
  password: z.string().min(1).optional(),
  tls: z.enum(['off', 'try', 'require']).default('off'),
  /** PEM file of the CA that signed upsd's certificate (with tls try/require); system CAs otherwise. */
  tlsCaFile: z.string().min(1).refine((f) => existsSync(f), 'file not found').optional(),
  intervalSeconds: z.number().positive().max(3600).default(10),
  timeoutMs: z.number().int().min(50).max(60_000).default(3000),
}).superRefine((t, ctx) => {
  if ((t.username === undefined) !== (t.password === undefined)) {
    ctx.addIssue({ code: 'custom', path: [t.username === undefined ? 'username' : 'password'], message: 'username and password go together' });
  }
});

export type NutTarget = z.infer<typeof nutTargetSchema>;

/** NUT variables kept as evidence, and the gauge each numeric one feeds. */
export const NUT_READINGS: readonly { v: string; gauge?: string }[] = [
  { v: 'ups.status' },
  { v: 'battery.charge', gauge: 'battery_charge_percent' },
  { v: 'battery.runtime', gauge: 'battery_runtime_seconds' },
  { v: 'input.voltage', gauge: 'input_voltage_volts' },
  { v: 'output.voltage', gauge: 'output_voltage_volts' },
  { v: 'ups.load', gauge: 'load_percent' },
];

/** upsd errors that say "this UPS cannot be read now", not "the server is gone". */
const PER_UPS_ERRORS = new Set(['DATA-STALE', 'DRIVER-NOT-CONNECTED', 'UNKNOWN-UPS']);

export function nutSubject(t: Pick<NutTarget, 'name' | 'ups'>, ups: string): string {
  return typeof t.ups === 'string' && t.ups !== 'all' ? `${t.name}/output` : `${t.name}/${ups}/output`;
}

/** The reading for one UPS from its LIST VAR answer (pure; unit-tested as a table). */
export function nutReading(subject: string, vars: ReadonlyMap<string, string>): Reading {
  const evidence: Record<string, unknown> = {};
  const gauges: Record<string, number> = {};
  for (const { v, gauge } of NUT_READINGS) {
    const raw = vars.get(v);
    if (raw === undefined) continue;
    evidence[v] = raw;
    const n = Number(raw);
    if (gauge && raw.trim() !== '' && Number.isFinite(n)) gauges[gauge] = n;
  }
  const status = vars.get('ups.status');
  const parsed = parseStatus(status ?? '');
  if (parsed.unrecognised.length > 0) evidence.unrecognisedTokens = parsed.unrecognised;
  return { subject, kind: 'power', state: powerStateOf(parsed.tokens), evidence, gauges };
}

/** The reading for a UPS upsd could not answer for (DATA-STALE …). */
export function nutErrorReading(subject: string, nutName: string): Reading {
  return { subject, kind: 'power', state: 'unknown', evidence: { error: nutName } };
}

function upsNames(t: NutTarget, client: NutClient): Promise<string[]> {
  if (t.ups === 'all') return client.listUps().then((m) => [...m.keys()]);
  return Promise.resolve(typeof t.ups === 'string' ? [t.ups] : t.ups);
}

function open(t: NutTarget): SourceInstance {
  const client = new NutClient({
    host: t.host, port: t.port, timeoutMs: t.timeoutMs, tls: t.tls,
    username: t.username, password: t.password,
    ca: t.tlsCaFile === undefined ? undefined : readFileSync(t.tlsCaFile, 'utf8'),
  });
  // With `all`, a UPS that vanishes from LIST UPS turns unknown instead of going silent.
  const seen = new Set<string>();
  const failing = new Map<string, string>();
  return {
    async poll(ctx) {
      if (ctx.signal.aborted) throw new DcprobeError(E.NUT_TIMEOUT, `${client.where}: poll aborted`);
      // The poll loop gave up: drop the connection so no late reply is read as the next one's.
      const onAbort = () => client.reset();
      ctx.signal.addEventListener('abort', onAbort, { once: true });
      try {
        const names = await upsNames(t, client);
        const readings: Reading[] = [];
        for (const ups of names) {
          const subject = nutSubject(t, ups);
          seen.add(ups);
          try {
            readings.push(nutReading(subject, await client.listVars(ups)));
            if (failing.delete(ups)) ctx.log.info({ target: t.name, ups }, 'nut: UPS readable again');
          } catch (e) {
            if (!isNutError(e) || !PER_UPS_ERRORS.has(e.nutName)) throw e;
            // Once per episode, not once per poll: an UNKNOWN-UPS here is usually a typo in the config.
            if (failing.get(ups) !== e.nutName) ctx.log.warn({ target: t.name, ups, nutError: e.nutName }, 'nut: UPS not readable, reported unknown');
            failing.set(ups, e.nutName);
            readings.push(nutErrorReading(subject, e.nutName));
          }
        }
        for (const ups of seen) {
          if (!names.includes(ups)) readings.push(nutErrorReading(nutSubject(t, ups), 'UNKNOWN-UPS'));
        }
        return readings;
      } finally {
        ctx.signal.removeEventListener('abort', onAbort);
      }
    },
    close: () => client.close(),
  };
}

function flagString(flags: Record<string, string | boolean>, name: string): string | undefined {
  const v = flags[name];
  if (v === undefined) return undefined;
  if (typeof v !== 'string' || v === '') throw new DcprobeError(E.VALIDATION, `--${name}: needs a value`);
  return v;
}

const PROBE_FLAGS: readonly FlagSpec[] = [
  { name: 'ups', value: 'NAME', help: 'one UPS of the server (default: all it lists)' },
  { name: 'username', value: 'U', help: 'upsd user, when the server asks for a login' },
  { name: 'password', value: 'P', help: "that user's password" },
  { name: 'tls', value: 'MODE', help: 'STARTTLS to upsd: off|try|require (default off)' },
  { name: 'timeout', value: 'MS', help: 'per-request timeout in milliseconds' },
];
// `json` is the probe command's own flag; a caller may pass it along.
const PROBE_FLAG_NAMES = new Set([...PROBE_FLAGS.map((f) => f.name), 'json']);

const probe: ProbeSupport<NutTarget> = {
  defaultPort: 3493,
  flags: PROBE_FLAGS,
  target(host, port, flags) {
    for (const f of Object.keys(flags)) if (!PROBE_FLAG_NAMES.has(f)) throw new DcprobeError(E.VALIDATION, `--${f}: unknown flag for nut`);
    const raw = {
      kind: 'nut', name: probeTargetName(host, 'nut'), host, port,
      ups: flagString(flags, 'ups') ?? 'all',
      username: flagString(flags, 'username'),
      password: flagString(flags, 'password'),
      tls: flagString(flags, 'tls') ?? 'off',
      ...(flags.timeout !== undefined ? { timeoutMs: Number(flags.timeout) } : {}),
    };
    const r = nutTargetSchema.safeParse(raw);
    if (!r.success) {
      const i = r.error.issues[0]!;
      throw new DcprobeError(E.VALIDATION, `--${String(i.path[0] ?? 'ups')}: ${i.message}`);
    }
    return r.data;
  },
  json: (r) => ({ subject: r.subject, state: r.state, evidence: r.evidence, gauges: r.gauges ?? {} }),
  text: (r) => `${r.subject}  ${r.state}  ${Object.entries(r.evidence).map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(' ')}`,
};

export const nutSource: SourceKind<NutTarget> = { kind: 'nut', schema: nutTargetSchema as z.ZodType<NutTarget>, open, probe };
