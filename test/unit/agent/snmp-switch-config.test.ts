import { describe, expect, it } from 'vitest';
import { E } from '@dcprobe/shared';
import { switchTargetSchema, snmpSwitch } from '../../../agent/src/sources/snmp-switch.ts';
import { desAvailable, toSnmpTarget } from '../../../agent/src/snmp/target-schema.ts';

/** What check-config says of DES where this Node.js lacks it (Node 20's OpenSSL 3 without the legacy provider). */
const NO_DES = 'des is not available in this Node.js (OpenSSL 3 keeps DES in its legacy provider, which is off): use aes, or run node with --openssl-legacy-provider';
import { parseFlags, splitTarget } from '../../../agent/src/cli/probe.ts';

const base = { kind: 'snmp-switch', name: 'sw1', host: '192.0.2.10', community: 'public', ports: 'all' };

function firstIssue(cfg: Record<string, unknown>): string {
  const r = switchTargetSchema.safeParse(cfg);
  if (r.success) return 'valid';
  return r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
}

describe('snmp-switch target schema', () => {
  it('fills defaults', () => {
    expect(switchTargetSchema.parse(base)).toEqual({
      ...base, intervalSeconds: 30, port: 161, version: '2c', timeoutMs: 2000, retries: 1, maxRepetitions: 25, maxVarbinds: 48, bulk: 'auto',
      uplinks: [], rediscover: '0 */6 * * *', trapFrom: [],
    });
  });

  it('reads YAML\'s numeric versions', () => {
    expect(switchTargetSchema.parse({ ...base, version: 1 }).version).toBe('1');
    const v3 = switchTargetSchema.parse({
      ...base, community: undefined, version: 3,
      user: { name: 'mon', level: 'authPriv', authProtocol: 'sha256', authKey: 'authpass1', privProtocol: 'aes', privKey: 'privpass1' },
    });
    expect(toSnmpTarget(v3)).toEqual({
      host: '192.0.2.10', port: 161, version: '3', timeoutMs: 2000, retries: 1, maxRepetitions: 25, maxVarbinds: 48, bulk: 'auto',
      user: { name: 'mon', level: 'authPriv', authProtocol: 'sha256', authKey: 'authpass1', privProtocol: 'aes', privKey: 'privpass1' },
    });
  });

  const user = { name: 'mon', level: 'authPriv', authProtocol: 'sha', authKey: 'authpass1', privProtocol: 'aes', privKey: 'privpass1' };
  it.each([
    [{ community: undefined }, 'community: required for version 2c'],
    [{ version: '1', community: '' }, 'community: Too small: expected string to have >=1 characters; community: required for version 1'],
    [{ version: '3', community: undefined }, 'user: required for version 3'],
    [{ version: '3' , user }, 'community: not used with version 3'],
    [{ user }, 'user: not used with version 2c'],
    [{ version: '3', community: undefined, user: { ...user, privKey: undefined } }, 'user.privKey: required for level authPriv'],
    [{ version: '3', community: undefined, user: { ...user, level: 'authNoPriv' } }, 'user.privProtocol: not used with level authNoPriv; user.privKey: not used with level authNoPriv'],
    [{ version: '3', community: undefined, user: { ...user, authKey: 'short' } }, 'user.authKey: must be at least 8 characters'],
    [{ version: '3', community: undefined, user: { ...user, authProtocol: 'sha1' } }, 'user.authProtocol: Invalid option: expected one of "md5"|"sha"|"sha224"|"sha256"|"sha384"|"sha512"'],
    [{ version: '2' }, 'version: Invalid input'],
    [{ name: 'sw/1' }, 'name: use letters, digits, ".", "_" and "-" (it prefixes subject ids)'],
    [{ ports: [] }, 'ports: Too small: expected array to have >=1 items'],
    [{ ports: { aliasPattern: '(' } }, 'ports.aliasPattern: not a valid regular expression'],
    [{ ports: undefined }, 'ports: Invalid input'],
    [{ rediscover: 'every hour' }, 'rediscover: not a valid cron expression'],
    [{ trapFrom: ['sw1.example'] }, 'trapFrom.0: not an IP address'],
    [{ communty: 'public' }, ': Unrecognized key: "communty"'],
    [{ port: 0 }, 'port: Too small: expected number to be >=1'],
    [{ version: '1', bulk: 'on' }, 'bulk: not available with version 1 (SNMPv1 has no GETBULK)'],
    [{ bulk: 'sometimes' }, 'bulk: Invalid option: expected one of "auto"|"on"|"off"'],
    [{ maxVarbinds: 0 }, 'maxVarbinds: Too small: expected number to be >=1'],
    [{ version: '3', community: undefined, user: { ...user, privProtocol: 'des' } }, desAvailable() ? 'valid' : `user.privProtocol: ${NO_DES}`],
  ])('%j → %s', (patch, message) => {
    expect(firstIssue({ ...base, ...patch })).toBe(message);
  });

  it('never echoes a secret in its messages', () => {
    const msg = firstIssue({ ...base, version: '3', community: 'S3cretCommunity', user: { ...user, authKey: 'Sh0rt' } });
    expect(msg).not.toMatch(/S3cretCommunity|Sh0rt/);
  });
});

describe('snmp-switch probe flags', () => {
  const target = (flags: Record<string, string | boolean>) => snmpSwitch.probe!.target('127.0.0.1', 16100, flags);

  it('builds a v2c target listing every interface, with the probe\'s short timeout', () => {
    expect(target({ community: 'public' })).toMatchObject({
      name: '127.0.0.1', host: '127.0.0.1', port: 16100, version: '2c', ports: 'all', timeoutMs: 1000, retries: 1,
    });
  });

  it('infers v3 and the security level from the keys given', () => {
    const t = target({ 'v3-user': 'mon', 'auth-proto': 'sha', 'auth-key': 'authpass1', 'priv-proto': 'aes', 'priv-key': 'privpass1', timeout: '500', retries: '0' });
    expect(t).toMatchObject({ version: '3', timeoutMs: 500, retries: 0, user: { name: 'mon', level: 'authPriv', authProtocol: 'sha', privProtocol: 'aes' } });
  });

  it.each([
    [{}, '--community: required for version 2c'],
    [{ 'v3-user': 'mon', 'auth-key': 'authpass1' }, '--auth-proto: required for level authNoPriv'],
    [{ community: 'public', timeout: 'soon' }, '--timeout: must be a whole number'],
    [{ community: true }, '--community: needs a value'],
    [{ community: 'public', verbose: true }, '--verbose: unknown flag for snmp-switch'],
    [{ community: 'public', 'max-varbinds': '0' }, '--max-varbinds: Too small: expected number to be >=1'],
    [{ community: 'public', bulk: 'always' }, '--bulk: Invalid option: expected one of "auto"|"on"|"off"'],
    [{ community: 'public', version: '1', bulk: 'on' }, '--bulk: not available with version 1 (SNMPv1 has no GETBULK)'],
  ])('%j → %s', (flags, message) => {
    expect(() => target(flags as Record<string, string | boolean>)).toThrow(expect.objectContaining({ code: E.VALIDATION, message }));
  });

  it('uses the agent\'s request defaults, and takes --max-varbinds, --max-repetitions and --bulk', () => {
    expect(target({ community: 'public' })).toMatchObject({ maxVarbinds: 48, maxRepetitions: 25, bulk: 'auto' });
    expect(target({ community: 'public', 'max-varbinds': '20', 'max-repetitions': '5', bulk: 'off' })).toMatchObject({ maxVarbinds: 20, maxRepetitions: 5, bulk: 'off' });
  });

  it('refuses DES by its flag where this Node.js cannot do it', () => {
    const flags = { 'v3-user': 'mon', 'auth-proto': 'sha', 'auth-key': 'authpass1', 'priv-proto': 'des', 'priv-key': 'privpass1' };
    if (desAvailable()) expect(target(flags)).toMatchObject({ user: { privProtocol: 'des' } });
    else expect(() => target(flags)).toThrow(expect.objectContaining({ code: E.VALIDATION, message: `--priv-proto: ${NO_DES}` }));
  });

  it('reads the command line', () => {
    expect(parseFlags(['snmp-switch', '10.0.0.1:1161', '--community', 'c', '--json', '--timeout=300'])).toEqual({
      positional: ['snmp-switch', '10.0.0.1:1161'], flags: { community: 'c', json: true, timeout: '300' },
    });
    expect(splitTarget('10.0.0.1', 161)).toEqual({ host: '10.0.0.1', port: 161 });
    expect(splitTarget('[::1]:1161', 161)).toEqual({ host: '::1', port: 1161 });
    expect(splitTarget('::1', 161)).toEqual({ host: '::1', port: 161 });
    expect(splitTarget('sw1.example:99999', 161)).toBeNull();
  });
});
