/**
 * `snmp-pdu`: mains, ATS and metered-PDU feeds read over SNMP through a
 * profile (profiles/pdu/*.yaml, docs/pdu-profiles.md). Subject `<name>/<feed>`.
 * The device knowledge is all in the profile; this file only reads the OIDs
 * it names and applies its rules.
 *
 * Per poll: one walk of the `rows` columns of table feeds (which rows exist
 * now), then GETs of every value OID. A feed seen before whose row is gone
 * reads `unknown` (so does a feed named in `feeds` that the device lacks); a device that does not answer throws (the poll loop marks
 * its subjects unknown).
 */
import { z } from 'zod';
import type { SourceDeps, SourceInstance, SourceKind, Reading } from './types.ts';
import { targetNameSchema } from './target-name.ts';
import { pduProbe } from './snmp-pdu-probe.ts';
import { checkSnmpSettings, snmpSettingsShape, toSnmpTarget } from '../snmp/target-schema.ts';
import { openSnmp, type SnmpClientOptions } from '../snmp/client.ts';
import { indexOf } from '../snmp/types.ts';
import type { SnmpClient, SnmpTarget, VarBind } from '../snmp/types.ts';
import { loadBuiltinProfile, loadProfileFile } from '../profiles/pdu/loader.ts';
import { evaluateFeed, type RawValue } from '../profiles/pdu/rules.ts';
import type { PduFeedDef, PduProfile } from '../profiles/pdu/schema.ts';
import { isCoded } from '@dcprobe/shared';


export const pduTargetSchema = z.strictObject({
  kind: z.literal('snmp-pdu'),
  name: targetNameSchema,
  intervalSeconds: z.number().positive().max(3600).default(10),
  /** A built-in profile by name (profiles/pdu/<name>.yaml). */
  profile: z.string().min(1).optional(),
  /** Or an operator's profile file. */
  profileFile: z.string().min(1).optional(),
  /** Only these feeds (names after {index} expansion); all when absent. */
  feeds: z.array(z.string().min(1)).min(1).optional(),
  ...snmpSettingsShape,
}).superRefine((t, ctx) => {
  checkSnmpSettings(t, ctx);
  if ((t.profile === undefined) === (t.profileFile === undefined)) {
    ctx.addIssue({ code: 'custom', path: ['profile'], message: 'exactly one of profile or profileFile is required' });
    return;
  }
  try {
    profileOf(t);
  } catch (e) {
    ctx.addIssue({ code: 'custom', path: [t.profile !== undefined ? 'profile' : 'profileFile'], message: isCoded(e) ? e.message : String(e) });
  }
});

export type PduTarget = z.output<typeof pduTargetSchema>;

export function profileOf(t: Pick<PduTarget, 'profile' | 'profileFile'>): PduProfile {
  return t.profileFile !== undefined ? loadProfileFile(t.profileFile) : loadBuiltinProfile(t.profile!);
}

const toRaw = (vb: VarBind | undefined): RawValue => {
  const v = vb?.value ?? null;
  if (typeof v === 'number' || typeof v === 'string') return v;
  if (typeof v === 'bigint') return Number(v);
  if (Buffer.isBuffer(v)) return v.toString('utf8');
  return null;
};

interface Planned { feed: string; def: PduFeedDef; oids: Map<string, string> }

/** Feeds to read this poll: fixed ones, plus one per row found under each `rows` column. */
export function planFeeds(profile: PduProfile, rows: ReadonlyMap<string, VarBind[]>): Planned[] {
  const out: Planned[] = [];
  for (const def of profile.feeds) {
    const indexes = def.rows === undefined ? [null] : (rows.get(def.rows) ?? []).map((vb) => indexOf(def.rows!, vb.oid));
    for (const index of indexes) {
      const sub = (s: string) => (index === null ? s : s.replaceAll('{index}', index));
      const oids = new Map(Object.entries(def.values).map(([name, vd]) => [name, sub(vd.oid).replace(/^\./, '')]));
      out.push({ feed: sub(def.feed), def, oids });
    }
  }
  return out;
}

export function openPdu(t: PduTarget, deps: SourceDeps, opts: { client?: (t: SnmpTarget, o: SnmpClientOptions) => SnmpClient } = {}): SourceInstance {
  const profile = profileOf(t);
  const client = (opts.client ?? openSnmp)(toSnmpTarget(t), { log: deps.log, onMaxRepetitions: deps.snmpMaxRepetitions, now: deps.now, ...(deps.snmpSockets ? { sockets: deps.snmpSockets } : {}) });
  const rowColumns = [...new Set(profile.feeds.flatMap((f) => (f.rows === undefined ? [] : [f.rows])))];
  const wanted = t.feeds ? new Set(t.feeds) : null;
  const seen = new Set<string>();
  return {
    async poll() {
      const rows = rowColumns.length ? await client.walk(rowColumns) : new Map<string, VarBind[]>();
      const plan = planFeeds(profile, rows).filter((p) => !wanted || wanted.has(p.feed));
      const oids = [...new Set(plan.flatMap((p) => [...p.oids.values()]))];
      const got = new Map<string, VarBind>();
      // The client splits the GET to the device's size limit.
      for (const vb of await client.get(oids)) got.set(vb.oid.replace(/^\./, ''), vb);
      const readings: Reading[] = plan.map((p) => {
        seen.add(p.feed);
        const raw = new Map([...p.oids].map(([name, oid]) => [name, toRaw(got.get(oid))]));
        const r = evaluateFeed(p.def, raw);
        return { subject: `${t.name}/${p.feed}`, kind: 'power', state: r.state, evidence: { profile: profile.name, ...r.evidence }, gauges: r.gauges };
      });
      // A feed asked for by name, or read before, that the device does not list now is unknown, not silent.
      const now = new Set(plan.map((p) => p.feed));
      for (const feed of new Set([...seen, ...(t.feeds ?? [])])) {
        if (!now.has(feed)) readings.push({ subject: `${t.name}/${feed}`, kind: 'power', state: 'unknown', evidence: { profile: profile.name, error: 'feed not found on the device' } });
      }
      return readings;
    },
    close: () => client.close(),
  };
}

export const snmpPdu: SourceKind<PduTarget> = { kind: 'snmp-pdu', schema: pduTargetSchema, open: (t, deps) => openPdu(t, deps), probe: pduProbe(pduTargetSchema) };
