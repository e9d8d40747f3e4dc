/**
 * The PDU / feed profile format (docs/pdu-profiles.md): a YAML file per device
 * family listing feeds, the OIDs read for each, and ordered rules from values
 * to a power state. Profiles are data: an operator adds a vendor with a file.
 */
import { z } from 'zod';
import { POWER_STATES } from '@dcprobe/shared';

const numericOid = z.string().regex(/^\.?\d+(\.\d+)+$/, 'a numeric OID like 1.3.6.1.2.1.33.1.3.3.1.3');
/** Value OIDs may end in `{index}` (the row index of a table feed). */
const valueOid = z.string().regex(/^\.?\d+(\.\d+)*(\.\{index\})?(\.\d+)*$/, 'a numeric OID, optionally with {index} for the row');
const valueName = z.string().regex(/^[A-Za-z][A-Za-z0-9_]*$/, 'letters, digits and _ (starting with a letter)');
const literal = z.union([z.number(), z.string()]);

const condition = z.strictObject({
  eq: literal.optional(),
  ne: literal.optional(),
  lt: z.number().optional(),
  lte: z.number().optional(),
  gt: z.number().optional(),
  gte: z.number().optional(),
  in: z.array(literal).min(1).optional(),
}).refine((c) => Object.values(c).some((v) => v !== undefined), 'a condition needs at least one of eq, ne, lt, lte, gt, gte, in');

const valueDef = z.strictObject({
  oid: valueOid,
  /** Multiplier from the device's unit (0.1 V → 0.1). Applied before rules and gauges. */
  scale: z.number().positive().default(1),
  /** Gauge name to export the value under (units in the name, e.g. voltage_volts). */
  gauge: z.string().regex(/^[a-z][a-z0-9_]*$/, 'lower-case letters, digits and _').optional(),
  /** Enum value → name, kept as evidence beside the number. */
  enum: z.record(z.string().regex(/^-?\d+$/, 'enum keys are integers'), z.string()).optional(),
});

const rule = z.strictObject({
  /** Every named value must meet its condition (AND); a value the device did not return meets none. */
  when: z.record(valueName, condition).refine((w) => Object.keys(w).length > 0, 'at least one value'),
  state: z.enum(POWER_STATES),
});

const feed = z.strictObject({
  /** Feed name, the subject's last part; `{index}` is replaced by the row index for table feeds. */
  feed: z.string().regex(/^[A-Za-z0-9._-]*(\{index\})?[A-Za-z0-9._-]*$/, 'letters, digits, . _ - and at most one {index}').min(1),
  /** Column walked to find the rows: one feed per row. Absent for a fixed feed. */
  rows: numericOid.optional(),
  description: z.string().optional(),
  values: z.record(valueName, valueDef).refine((v) => Object.keys(v).length > 0, 'at least one value'),
  /** First matching rule wins; none matching → unknown. */
  rules: z.array(rule).min(1),
});

export const profileSchema = z.strictObject({
  name: z.string().regex(/^[a-z0-9][a-z0-9._-]*$/, 'lower-case letters, digits, . _ -'),
  description: z.string().min(1),
  /** Where the OIDs and enums were checked (MIB name, RFC, vendor document). */
  source: z.string().min(1),
  feeds: z.array(feed).min(1),
}).superRefine((p, ctx) => {
  const names = new Set<string>();
  p.feeds.forEach((f, i) => {
    const table = f.rows !== undefined;
    if (table !== f.feed.includes('{index}')) {
      ctx.addIssue({ code: 'custom', path: ['feeds', i, 'feed'], message: table ? 'a feed with rows needs {index} in its name' : '{index} needs rows' });
    }
    if (names.has(f.feed)) ctx.addIssue({ code: 'custom', path: ['feeds', i, 'feed'], message: `duplicate feed ${JSON.stringify(f.feed)}` });
    names.add(f.feed);
    for (const [v, def] of Object.entries(f.values)) {
      if (!table && def.oid.includes('{index}')) ctx.addIssue({ code: 'custom', path: ['feeds', i, 'values', v, 'oid'], message: '{index} needs rows' });
    }
    f.rules.forEach((r, k) => {
      for (const v of Object.keys(r.when)) {
        if (!(v in f.values)) ctx.addIssue({ code: 'custom', path: ['feeds', i, 'rules', k, 'when', v], message: `no value named ${JSON.stringify(v)} in this feed` });
      }
    });
  });
});

export type PduProfile = z.output<typeof profileSchema>;
export type PduFeedDef = PduProfile['feeds'][number];
export type PduCondition = z.output<typeof condition>;
