/**
 * What `dcprobe-agent probe snmp-pdu HOST[:PORT] --profile NAME …` needs: a
 * target from the flags (a profile, built-in or a file, plus the SNMP flags the
 * UPS probe takes) and how to print a feed. The way to check a profile against
 * a device before it goes into agent.yml.
 */
import { z } from 'zod';
import type { FlagSpec } from '@dcprobe/shared';
import type { ProbeSupport, Reading, TargetBase } from './types.ts';
import { SNMP_PROBE_FLAGS, flagError, snmpFlags } from '../snmp/probe-flags.ts';
import { builtinProfiles } from '../profiles/pdu/loader.ts';
import { probeTargetName } from './target-name.ts';

/** Read when help is printed: the built-in profiles are the YAML files beside the loader. */
const profileFlags = (): FlagSpec[] => [
  { name: 'profile', value: 'NAME', help: `a built-in profile: ${builtinProfiles().join(', ')}` },
  { name: 'profile-file', value: 'FILE', help: "an operator's profile (docs/pdu-profiles.md)" },
  { name: 'feeds', value: 'A,B', help: 'only these feeds (default: every feed the profile finds)' },
];

export function pduProbe<T extends TargetBase>(schema: z.ZodType<T>): ProbeSupport<T> {
  return {
    defaultPort: 161,
    get flags() { return [...profileFlags(), ...SNMP_PROBE_FLAGS]; },
    target(host, port, flags) {
      const { profile, 'profile-file': profileFile, feeds, ...snmp } = flags;
      const r = schema.safeParse({
        kind: 'snmp-pdu', name: probeTargetName(host, 'pdu'), host, port, ...snmpFlags('snmp-pdu', snmp),
        ...(profile !== undefined ? { profile } : {}),
        ...(profileFile !== undefined ? { profileFile } : {}),
        ...(typeof feeds === 'string' ? { feeds: feeds.split(',').filter(Boolean) } : {}),
      });
      if (!r.success) throw flagError(r.error);
      return r.data;
    },
    json: (r: Reading) => ({ subject: r.subject, state: r.state, evidence: r.evidence, gauges: r.gauges ?? {} }),
    text: (r: Reading) => [r.subject, r.state, ...Object.entries(r.gauges ?? {}).map(([k, v]) => `${k}=${v}`)].join('  '),
  };
}
