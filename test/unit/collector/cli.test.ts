/**
 * The collector's command line: every command answers --help with its flags,
 * and every flag it lists is one its parser takes; hash-token refuses what
 * agents would refuse; check-config shows every problem and checks the TLS files.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { main } from '../../../collector/src/cli.ts';
import { hashToken } from '../../../collector/src/tokens.ts';

async function cli(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '', err = '';
  const code = await main(argv, { out: (s) => { out += `${s}\n`; }, err: (s) => { err += `${s}\n`; } });
  return { code, out, err };
}

const tmp = mkdtempSync(join(tmpdir(), 'dcprobe-cli-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const file = (name: string, text: string) => { const f = join(tmp, name); writeFileSync(f, text); return f; };

/** The commands the overview lists, and the flags each command's help lists. */
async function commands(): Promise<string[]> {
  const { out } = await cli('--help');
  return [...out.matchAll(/^ {2}([a-z][a-z-]+)(?= )/gm)].map((m) => m[1]!);
}
const flagsIn = (help: string): string[] => [...help.matchAll(/^ {2}(?:-\w, )?--([a-z-]+)/gm)].map((m) => m[1]!).filter((f) => f !== 'help');

describe('dcprobe-collector --help', () => {
  it('lists every command, and each answers --help with its usage and flags', async () => {
    const names = await commands();
    expect(names).toEqual(['run', 'check-config', 'hash-token', 'reconcile', 'verify', 'backup', 'verify-store', 'customers', 'store', 'tokens', 'share-link']);
    const listed: Record<string, string[]> = {};
    for (const name of names) {
      const r = await cli(name, '--help');
      expect([r.code, r.err]).toEqual([0, '']);
      expect(r.out).toMatch(new RegExp(`^usage: dcprobe-collector ${name}`));
      expect(r.out).toContain('-h, --help');
      listed[name] = flagsIn(r.out);
    }
    expect(listed).toEqual({
      run: ['config'], 'check-config': ['config'], 'hash-token': ['stdin'], reconcile: ['month', 'as-of', 'format', 'verify', 'public-key'], verify: ['public-key'], backup: ['config'], 'verify-store': ['config'], customers: ['url', 'token-file', 'dry-run'], store: ['from', 'to'],
      tokens: ['url', 'token-file', 'role', 'customer'], 'share-link': ['url', 'token-file', 'customer', 'expires', 'month'],
    });
  });

  it('every listed flag is one the command parses (none is "unknown")', async () => {
    for (const name of await commands()) {
      for (const flag of flagsIn((await cli(name, '--help')).out)) {
        const r = await cli(name, `--${flag}`, 'x');
        expect(`${name} --${flag}: ${r.err}`).not.toMatch(/unknown flag/);
      }
    }
  });

  it('--version names version, commit (source when run from TypeScript) and node', async () => {
    expect((await cli('--version')).out).toBe(`dcprobe-collector 0.1.0 (commit source, node ${process.version})\n`);
  });

  it('an unknown flag is refused by name', async () => {
    const r = await cli('run', '--confg', 'x.yml');
    expect(r).toMatchObject({ code: 2, out: '' });
    expect(r.err).toMatch(/^run: --confg: unknown flag\n/);
  });
});

describe('dcprobe-collector hash-token', () => {
  it.each([
    [['--help'], 0, /^usage: dcprobe-collector hash-token/],
    [[''], 2, /^hash-token: the token is empty/],
    [['fifteen-chars-x'], 2, /^hash-token: the token has 15 characters; at least 16 are needed/],
    [['a', 'b'], 2, /^hash-token: give one token, or --stdin/],
  ])('%j → exit %i', async (args, code, text) => {
    const r = await cli('hash-token', ...args);
    expect(r.code).toBe(code);
    expect(code === 0 ? r.out : r.err).toMatch(text);
  });

  it('hashes a token of 16 characters or more, one that begins with a dash after --', async () => {
    expect((await cli('hash-token', 'sixteen-chars-xx')).out).toBe(`tokenHash: ${hashToken('sixteen-chars-xx')}\n`);
    expect((await cli('hash-token', '--', '-dash-first-token-x')).out).toBe(`tokenHash: ${hashToken('-dash-first-token-x')}\n`);
  });

  it('with no token, makes one that the config accepts', async () => {
    const { out } = await cli('hash-token');
    const [, token] = /^token: (\S+)$/m.exec(out)!;
    expect(token!.length).toBeGreaterThanOrEqual(16);
    expect(out).toContain(`tokenHash: ${hashToken(token!)}`);
  });
});

describe('dcprobe-collector check-config', () => {
  it('shows every problem, not only the first, one a line naming the file and the field', async () => {
    const f = file('three.yml', 'listen: nowhere\nagents: [{ id: a, token: short }, { id: a, token: long-enough-token-xx }]\ncolour: blue\n');
    const r = await cli('check-config', f);
    expect(r.code).toBe(2);
    expect(r.err).toBe([
      `${f}: listen: expected HOST:PORT, e.g. 127.0.0.1:9470`,
      `${f}: agents[0].token: at least 16 characters`,
      `${f}: colour: unknown key`,
      `${f}: agents[1].id: duplicate "a"`,
      `${f}: 4 problems`,
    ].join('\n') + '\n');
  });

  it('one problem is one line, without a count', async () => {
    const f = file('one.yml', 'colour: blue\n');
    expect(await cli('check-config', f)).toEqual({ code: 2, out: '', err: `${f}: colour: unknown key\n` });
  });

  it('a file that is not YAML is one line that names it once', async () => {
    const f = file('broken.yml', 'agents: [\n');
    const r = await cli('check-config', f);
    expect(r).toMatchObject({ code: 2, out: '' });
    expect(r.err.startsWith(`${f}: not valid YAML: `)).toBe(true);
    expect([r.err.split(f).length - 1, r.err.split('\n').length - 1]).toEqual([1, 1]);
  });

  it('fails when the TLS certificate or key cannot be read', async () => {
    const cert = join(tmp, 'none.crt'), key = join(tmp, 'none.key');
    const f = file('tls.yml', `tls: { cert: ${cert}, key: ${key} }\n`);
    const r = await cli('check-config', f);
    expect(r).toMatchObject({ code: 2, out: '' });
    expect(r.err).toBe(`${f}: tls.cert: cannot read ${cert} (ENOENT)\n${f}: tls.key: cannot read ${key} (ENOENT)\n${f}: 2 problems\n`);
  });

  it('accepts the shipped TLS fixture pair', async () => {
    const dir = join(import.meta.dirname, '../../fixtures/tls');
    const f = file('tls-ok.yml', `tls: { cert: ${dir}/localhost.crt, key: ${dir}/localhost.key }\n`);
    const r = await cli('check-config', '--config', f);
    expect([r.code, r.err]).toEqual([0, '']);
    expect(r.out).toContain(`${f}: ok`);
  });
});
