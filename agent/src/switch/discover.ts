/**
 * `dcprobe-agent discover snmp-switch HOST[:PORT] [SNMP flags] [--name N]
 * [--alias-pattern RE] [--uplink-pattern RE]`: walks the switch's interfaces
 * once (the same walk the source's discovery uses) and proposes
 *  - a target block for agent.yml polling the customer ports and uplinks, and
 *  - a customers block for collector.yml: ports whose ifAlias matches the alias
 *    pattern, grouped by the pattern's `customer` group (`CUST:acme-01`), each
 *    customer behind the uplinks the uplink pattern found.
 * The target carries the SNMP credentials given on the command line: it is
 * config, to be kept like agent.yml. Pure where it can be (`proposeSwitch`).
 */
import type { ZodType } from 'zod';
import { DcprobeError, E, portSubjectId } from '@dcprobe/shared';
import type { DiscoverSupport, Discovered } from '../sources/types.ts';
import { openSnmp } from '../snmp/client.ts';
import { toSnmpTarget, type SnmpSettings } from '../snmp/target-schema.ts';
import { discover, type IfInfo } from './interfaces.ts';
import { switchProbe } from './probe.ts';

export const DEFAULT_ALIAS_PATTERN = 'CUST:(?<customer>[A-Za-z0-9._-]+)';
/** The collector's customer id rule (collector config `customers[].id`). */
const CUSTOMER_ID = /^[A-Za-z0-9._-]{1,100}$/;
const DISCOVER_FLAGS = ['name', 'alias-pattern', 'uplink-pattern'];

export interface ProposeOptions {
  name: string;
  /** Regular expressions as given; the alias one with a `customer` group. */
  aliasPattern: string;
  uplinkPattern?: string | undefined;
  /** Connection fields of the target block, as given (host, port, version, community or user). */
  connection: Record<string, unknown>;
}

function pattern(flag: string, source: string, needCustomer: boolean): RegExp {
  let re: RegExp;
  try { re = new RegExp(source); } catch { throw new DcprobeError(E.VALIDATION, `--${flag}: not a valid regular expression`); }
  if (needCustomer && !/\(\?<customer>/.test(source)) throw new DcprobeError(E.VALIDATION, `--${flag}: needs a named group (?<customer>…) for the customer id`);
  return re;
}

/** Both patterns compiled, or a coded error naming the flag. */
export function compilePatterns(o: Pick<ProposeOptions, 'aliasPattern' | 'uplinkPattern'>): { alias: RegExp; uplink: RegExp | undefined } {
  return {
    alias: pattern('alias-pattern', o.aliasPattern, true),
    uplink: o.uplinkPattern === undefined ? undefined : pattern('uplink-pattern', o.uplinkPattern, false),
  };
}

/** The proposal from the interface list (pure). */
export function proposeSwitch(ifs: readonly IfInfo[], o: ProposeOptions): Discovered {
  const { alias, uplink } = compilePatterns(o);
  const notes: string[] = [];
  const byCustomer = new Map<string, string[]>();
  const ports: string[] = [];
  const uplinks: string[] = [];
  const uplinkSubjects: string[] = [];
  for (const i of ifs) {
    const isUplink = uplink?.test(i.ifAlias) ?? false;
    const m = isUplink ? null : alias.exec(i.ifAlias);
    if (!isUplink && !m) continue;
    // agent.yml names ports as the device does; collector.yml names their subjects (any name encodes into one).
    if (isUplink) { uplinks.push(i.ifName); uplinkSubjects.push(portSubjectId(o.name, i.name)); continue; }
    const id = m!.groups?.customer ?? '';
    if (!CUSTOMER_ID.test(id)) { notes.push(`${i.ifName}: customer id ${JSON.stringify(id)} from ifAlias is not a valid id (letters, digits, . _ -); skipped`); continue; }
    ports.push(i.ifName);
    byCustomer.set(id, [...(byCustomer.get(id) ?? []), portSubjectId(o.name, i.name)]);
  }
  if (ports.length === 0) notes.push(`no ifAlias matched ${o.aliasPattern}: the target polls every interface and no customer is proposed`);
  if (uplink && uplinks.length === 0) notes.push(`no ifAlias matched the uplink pattern ${o.uplinkPattern}`);
  const customers = [...byCustomer].map(([id, subjects]) => ({
    id, network: { ports: subjects, ...(uplinks.length ? { uplinks: uplinkSubjects } : {}) },
  }));
  return {
    target: { kind: 'snmp-switch', name: o.name, ...o.connection, ports: ports.length ? ports : 'all', ...(uplinks.length ? { uplinks } : {}) },
    customers, notes,
  };
}

/** A target name from the host when --name is not given (`10.0.0.1` → `10.0.0.1`, `::1` → `1`). */
const nameFrom = (host: string): string => host.replace(/[^A-Za-z0-9._-]/g, '_').replace(/^[^A-Za-z0-9]+/, '') || 'switch';

export function switchDiscover<T extends SnmpSettings & { kind: 'snmp-switch'; name: string; intervalSeconds: number }>(schema: ZodType<T>): DiscoverSupport {
  const probe = switchProbe(schema);
  return {
    defaultPort: 161,
    flags: [
      '--name NAME            target name, the prefix of every subject (default: from HOST)',
      `--alias-pattern RE     ifAlias of a customer port; group (?<customer>…) is its id (default ${DEFAULT_ALIAS_PATTERN})`,
      '--uplink-pattern RE    ifAlias of an uplink (default: none)',
      'SNMP flags as for probe: --community C | --v3-user U --level L --auth-proto P --auth-key K --priv-proto P --priv-key K',
    ],
    async run(host, port, flags, deps) {
      const str = (f: string) => {
        const v = flags[f];
        if (v !== undefined && typeof v !== 'string') throw new DcprobeError(E.VALIDATION, `--${f}: needs a value`);
        return v;
      };
      const name = str('name') ?? nameFrom(host);
      const aliasPattern = str('alias-pattern') ?? DEFAULT_ALIAS_PATTERN;
      const uplinkPattern = str('uplink-pattern');
      compilePatterns({ aliasPattern, uplinkPattern }); // a typo in a pattern should not cost a walk of the switch
      const snmpFlags = Object.fromEntries(Object.entries(flags).filter(([k]) => !DISCOVER_FLAGS.includes(k)));
      const target = { ...probe.target(host, port, snmpFlags), name };
      const parsed = schema.safeParse(target);
      if (!parsed.success) throw new DcprobeError(E.VALIDATION, `--name: ${parsed.error.issues[0]!.message}`);
      const connection = {
        host, ...(port !== 161 ? { port } : {}), version: target.version,
        ...(target.version === '3' ? { user: target.user } : { community: target.community }),
      };
      const client = openSnmp(toSnmpTarget(target));
      try {
        const { ifs, duplicates } = await discover(client);
        deps.log.debug({ interfaces: ifs.length }, 'discover: interfaces walked');
        const d = proposeSwitch(ifs, { name, aliasPattern, uplinkPattern, connection });
        for (const n of duplicates) d.notes.push(`ifName ${JSON.stringify(n)} appears more than once; only its lowest ifIndex is used`);
        return d;
      } finally {
        client.close();
      }
    },
  };
}
