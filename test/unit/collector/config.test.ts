import { describe, it, expect } from 'vitest';
import { fileURLToPath } from 'node:url';
import { buildConfig, loadConfig, printableConfig } from '../../../collector/src/config.ts';
import { main } from '../../../collector/src/cli.ts';

const fx = (name: string) => fileURLToPath(new URL(`../../fixtures/collector-config/${name}`, import.meta.url));

describe('collector config', () => {
  // Each invalid fixture with its exact message (blackbox_exporter style).
  it.each([
    ['invalid-unknown-key.yml', 'databse: unknown key'],
    ['invalid-listen.yml', 'listen: expected HOST:PORT, e.g. 127.0.0.1:9470'],
    ['invalid-agent-token.yml', 'agents[0].token: at least 16 characters'],
    ['invalid-agent-both.yml', 'agents[0].token: exactly one of token or tokenHash is required'],
    ['invalid-token-hash.yml', 'agents[0].tokenHash: expected sha256:<64 hex digits> (see `dcprobe-collector hash-token`)'],
    ['invalid-role.yml', 'apiTokens[0].role: Invalid option: expected one of "read"|"write"|"admin"|"customer"'],
    ['invalid-customer-token-unknown.yml', 'apiTokens[0].customer: "acme-02" is not among customers (tokens for customers made through the API are made through the API)'],
    ['invalid-customer-token-no-customer.yml', 'apiTokens[0].customer: required with role customer, and only with it'],
    ['invalid-noc-token-customer.yml', 'apiTokens[0].customer: required with role customer, and only with it'],
    ['invalid-timezone.yml', 'customers[0].timezone: unknown IANA time zone'],
    ['invalid-redundancy.yml', 'customers[0].network.redundancy: Invalid option: expected one of "any"|"all"'],
    ['invalid-subject.yml', 'customers[0].power.feeds[0]: expected <device>/<port-or-feed>'],
    ['invalid-duplicate-customer.yml', 'customers[1].id: duplicate "acme-01"'],
    ['invalid-agent-same-token.yml', 'agents[1].tokenHash: the same token as agents[0]; each agent needs its own'],
    ['invalid-api-same-token.yml', 'apiTokens[1].token: the same token as apiTokens[0]; one token has one role'],
    ['invalid-no-service.yml', 'customers[0].network: a customer needs a network or a power service'],
    ['invalid-target.yml', 'customers[0].terms.network.target: Too big: expected number to be <1'],
    ['invalid-database-scheme.yml', 'database: unknown scheme "mysql:": give a file path (SQLite) or a postgres:// URL'],
    ['invalid-database-sslmode.yml', 'database: sslmode "bogus" is not one of disable, require, verify-ca, verify-full'],
  ])('%s → %s', (file, message) => {
    expect(() => loadConfig(fx(file))).toThrow(message);
    try { loadConfig(fx(file)); } catch (e) { expect((e as Error).message).toBe(message); }
  });

  it('accepts the shipped example config', () => {
    const c = loadConfig(fileURLToPath(new URL('../../../deploy/examples/collector.yml', import.meta.url)));
    expect(c.customers[0]!.power!.feeds).toEqual(['ups-a1/output', 'pdu-a1-b/feed-b']);
  });

  it('names the file when the YAML does not parse', () => {
    expect(() => loadConfig(fx('invalid-yaml.yml'))).toThrow(/invalid-yaml\.yml: not valid YAML/);
  });

  it('fills defaults, hashes plain tokens, freezes, and prints secrets as <secret>', () => {
    const c = loadConfig(fx('valid.yml'));
    expect(c.customers[0]!.timezone).toBe('Asia/Shanghai');
    expect(c.customers[0]!.terms.graceMinutes).toBe(10);
    expect(c.agents[0]!.tokenHash).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(Object.isFrozen(c.agents)).toBe(true);
    const printed = JSON.stringify(printableConfig(c));
    expect(printed).not.toContain('dev-token-rack-a1');
    expect(printed).not.toContain('0f4e4d1e');
    expect(printed).toContain('<secret>');
  });

  it('prints a postgres:// database with its password as <secret>', () => {
    const c = buildConfig({ database: 'postgresql://noc:Pa%24%24w0rd-long@db1.example:5433/dcprobe' });
    expect(c.database).toContain('Pa%24%24w0rd-long'); // the store needs it
    const printed = JSON.stringify(printableConfig(c));
    expect(printed).not.toContain('w0rd');
    expect((printableConfig(c) as { database: string }).database).toBe('postgres://noc:<secret>@db1.example:5433/dcprobe');
  });

  it('check-config exits 0 on a good file and 2 naming the field on a bad one', async () => {
    const out: string[] = [], err: string[] = [];
    const io = { out: (s: string) => out.push(s), err: (s: string) => err.push(s) };
    expect(await main(['check-config', fx('valid.yml')], io)).toBe(0);
    expect(out.join('\n')).toContain('ok (2 agents, 1 customers, 1 API tokens)');
    expect(await main(['check-config', fx('invalid-role.yml')], io)).toBe(2);
    expect(err.join('\n')).toContain('apiTokens[0].role');
    for (const [file, field] of [['invalid-agent-same-token.yml', 'agents[1].tokenHash'], ['invalid-api-same-token.yml', 'apiTokens[1].token']]) {
      expect(await main(['check-config', fx(file!)], io)).toBe(2);
      expect(err.at(-1)).toContain(`${field}: the same token as`);
      expect(err.at(-1)).not.toContain('dev-');
    }
    expect(await main(['check-config', fx('does-not-exist.yml')], io)).toBe(2);
    expect(err.at(-1)).toMatch(/cannot read config .*does-not-exist\.yml: ENOENT/);
  });
});
