import { describe, expect, it } from 'vitest';
import { join, resolve } from 'node:path';
import { readFileSync } from 'node:fs';
import { E } from '@dcprobe/shared';
import { buildConfig, loadConfig, printableConfig } from '../../../agent/src/config.ts';
import { SOURCES } from '../../../agent/src/sources/index.ts';
import { desAvailable } from '../../../agent/src/snmp/target-schema.ts';
import { main } from '../../../agent/src/cli.ts';

const DIR = resolve(import.meta.dirname, '../../fixtures/agent-config');
const f = (name: string) => join(DIR, name);
const known = () => Object.keys(SOURCES).sort().join(', ');

// blackbox_exporter style: each invalid fixture with its exact message.
const invalid: [file: string, message: () => string, code?: string][] = [
  ['invalid-unknown-key.yml', () => 'foo: unknown key'],
  ['invalid-missing-agent-id.yml', () => 'agentId: required'],
  ['invalid-agent-id.yml', () => 'agentId: letters, digits, . _ - only (at most 100)'],
  ['invalid-collector-url.yml', () => 'collectors[0]: expected a ws:// or wss:// URL, e.g. ws://collector:9470/agent'],
  ['invalid-no-collectors.yml', () => 'collectors: at least one collector URL'],
  ['invalid-no-token.yml', () => 'token: exactly one of token or tokenFile is required'],
  ['invalid-token-and-file.yml', () => 'token: exactly one of token or tokenFile is required'],
  ['invalid-short-token.yml', () => 'token: at least 16 characters'],
  ['invalid-token-file-missing.yml', () => `tokenFile: cannot read ${f('no-such-token.txt')}: ENOENT`, E.CONFIG_READ],
  ['invalid-outbox-warn-at.yml', () => 'outbox.warnAt: a fraction between 0 and 1'],
  ['invalid-outbox-max-events.yml', () => 'outbox.maxEvents: at least 100'],
  ['invalid-concurrency.yml', () => 'concurrency: at least 1'],
  ['invalid-heartbeat-type.yml', () => 'heartbeatSeconds: expected number'],
  ['invalid-metrics-listen.yml', () => 'metrics.listen: expected HOST:PORT, e.g. 127.0.0.1:9471'],
  ['invalid-trap-user.yml', () => 'traps.users[0].privProtocol: required for level authPriv\ntraps.users[0].privKey: required for level authPriv'],
  ['invalid-traps-no-credentials.yml', () => 'traps.communities: at least one community or user, or every trap would be dropped'],
  ['invalid-unknown-kind.yml', () => `targets[1].kind: unknown kind "foo" (known: ${known()})`],
  ['invalid-community-missing.yml', () => 'targets[1].community: required for version 2c'],
  ['invalid-duplicate-target.yml', () => 'targets[1].name: duplicate "sw1"'],
  ['invalid-target-unknown-key.yml', () => 'targets[0].colour: unknown key'],
  ['invalid-target-no-kind.yml', () => 'targets[0].kind: required'],
  ['invalid-yaml.yml', () => `${f('invalid-yaml.yml')}: not valid YAML: Flow sequence in block collection must be sufficiently indented and end with a ] at line 5, column 1`],
];

describe('agent loadConfig', () => {
  it.each(invalid)('%s', (file, message, code = E.CONFIG_INVALID) => {
    expect(() => loadConfig(f(file))).toThrow(expect.objectContaining({ code, message: message() }));
  });

  it('covers every invalid-*.yml fixture in the table', async () => {
    const { readdirSync } = await import('node:fs');
    const files = readdirSync(DIR).filter((n) => n.startsWith('invalid-')).sort();
    expect(files).toEqual(invalid.map(([n]) => n).sort());
  });

  it('loads the full example: defaults filled, paths resolved, token read from tokenFile, frozen', () => {
    const c = loadConfig(f('valid.yml'));
    expect(c).toMatchObject({
      agentId: 'rack-a', token: 'rack-a-token-from-file-0123456789', tokenFile: f('token.txt'), caFile: f('ca.pem'),
      dataDir: '/var/lib/dcprobe/agent-rack-a', outbox: { maxEvents: 500_000, warnAt: 0.8 }, heartbeatSeconds: 5, concurrency: 8,
      logLevel: 'info', metrics: { listen: '127.0.0.1:9471' },
    });
    expect(c.targets.map((t) => [t.kind, t.name, t.intervalSeconds])).toEqual([['snmp-switch', 'sw1', 30], ['nut', 'ups1', 10]]);
    expect(Object.isFrozen(c) && Object.isFrozen(c.targets[0]) && Object.isFrozen(c.outbox)).toBe(true);
  });

  it('fills every default from a minimal config', () => {
    const c = buildConfig({ agentId: 'a1', collectors: ['ws://127.0.0.1:9470/agent'], token: 'x'.repeat(16) }, '/etc/dcprobe');
    expect(c).toEqual({
      agentId: 'a1', collectors: ['ws://127.0.0.1:9470/agent'], token: 'x'.repeat(16), dataDir: '/etc/dcprobe/data/agent-a1',
      outbox: { maxEvents: 1_000_000, warnAt: 0.8 }, heartbeatSeconds: 10, concurrency: 16, logLevel: 'info', targets: [],
    });
  });

  it('prints every secret as <secret>, including trap communities', () => {
    const text = JSON.stringify(printableConfig(loadConfig(f('valid.yml'))));
    for (const secret of ['rack-a-token-from-file', 'switchcommunity1', 'trapcommunity1', 'trap-auth-key', 'trap-priv-key', 'nutpassword1']) {
      expect(text).not.toContain(secret);
    }
    expect(text).toContain('"token":"<secret>"');
    expect(text).toContain('"communities":["<secret>"]');
  });
});

describe('dcprobe-agent check-config', () => {
  const run = async (...argv: string[]) => {
    const out: string[] = [], err: string[] = [];
    const code = await main(argv, { out: (s) => out.push(s), err: (s) => err.push(s) });
    return { code, out: out.join('\n'), err: err.join('\n') };
  };

  it('prints the validated config with secrets hidden, exit 0', async () => {
    const r = await run('check-config', f('valid.yml'));
    expect(r.code).toBe(0);
    expect(r.out).toContain('token: <secret>');
    expect(r.out).toContain('community: <secret>');
    expect(r.out).not.toContain(readFileSync(f('token.txt'), 'utf8').trim());
  });

  it('names the field and exits 2 on an invalid config', async () => {
    const r = await run('check-config', f('invalid-community-missing.yml'));
    expect(r).toEqual({ code: 2, out: '', err: `${f('invalid-community-missing.yml')}: targets[1].community: required for version 2c` });
  });

  it('refuses SNMPv3 DES where this Node.js cannot do it, naming the field and why', () => {
    const base = { agentId: 'a1', collectors: ['ws://127.0.0.1:9470/agent'], token: 'x'.repeat(16) };
    const user = { name: 'u1', level: 'authPriv', authProtocol: 'sha', authKey: 'auth-key-1', privProtocol: 'des', privKey: 'priv-key-1' };
    const cases: [Record<string, unknown>, string][] = [
      [{ traps: { users: [user] } }, 'traps.users[0].privProtocol'],
      [{ targets: [{ kind: 'snmp-ups', name: 'u', host: '192.0.2.1', version: '3', user }] }, 'targets[0].user.privProtocol'],
    ];
    for (const [extra, field] of cases) {
      if (desAvailable()) { expect(() => buildConfig({ ...base, ...extra })).not.toThrow(); continue; }
      expect(() => buildConfig({ ...base, ...extra })).toThrow(expect.objectContaining({
        code: E.CONFIG_INVALID, message: `${field}: des is not available in this Node.js (OpenSSL 3 keeps DES in its legacy provider, which is off): use aes, or run node with --openssl-legacy-provider`,
      }));
    }
  });

  it('usage errors exit 2, --help exits 0', async () => {
    expect((await run()).code).toBe(2);
    expect((await run('frobnicate')).code).toBe(2);
    expect((await run('run')).code).toBe(2);
    const h = await run('--help');
    expect(h.code).toBe(0);
    expect(h.out).toContain('check-config FILE');
  });

  it('delegates probe to the probe command', async () => {
    const r = await run('probe');
    expect(r.code).toBe(2);
    expect(r.err).toContain('usage: dcprobe-agent probe');
  });
});
