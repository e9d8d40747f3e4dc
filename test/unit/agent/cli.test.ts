/**
 * The agent's command line: every command answers --help with its flags; probe's
 * help lists each kind's flags, and every flag listed is one that kind's probe
 * takes; check-config shows every problem.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { isCoded } from '@dcprobe/shared';
import { main } from '../../../agent/src/cli.ts';
import { SOURCES } from '../../../agent/src/sources/index.ts';

async function cli(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '', err = '';
  const code = await main(argv, { out: (s) => { out += `${s}\n`; }, err: (s) => { err += `${s}\n`; } });
  return { code, out, err };
}
const flagsIn = (help: string): string[] => [...help.matchAll(/^ {2}(?:-\w, )?--([a-z0-9-]+)/gm)].map((m) => m[1]!).filter((f) => f !== 'help');
const tmp = mkdtempSync(join(tmpdir(), 'dcprobe-agent-cli-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('dcprobe-agent --help', () => {
  it('lists every command, and each answers --help with its usage and flags', async () => {
    const names = [...(await cli('--help')).out.matchAll(/^ {2}([a-z][a-z-]+)(?= )/gm)].map((m) => m[1]!);
    expect(names).toEqual(['run', 'check-config', 'probe', 'discover']);
    for (const name of names) {
      const r = await cli(name, '--help');
      expect([r.code, r.err]).toEqual([0, '']);
      expect(r.out).toMatch(new RegExp(`^usage: dcprobe-agent ${name}`));
    }
    expect(flagsIn((await cli('run', '--help')).out)).toEqual(['config']);
  });

  it('probe --help lists every probeable kind with its flags; probe KIND --help only that kind', async () => {
    const all = (await cli('probe', '--help')).out;
    const kinds = Object.values(SOURCES).filter((k) => k.probe).map((k) => k.kind).sort();
    expect(kinds).toEqual(['nut', 'snmp-pdu', 'snmp-switch', 'snmp-ups']);
    for (const k of kinds) expect(all).toContain(`usage: dcprobe-agent probe ${k} HOST[:PORT]`);
    const sw = (await cli('probe', 'snmp-switch', '--help')).out;
    expect(sw).not.toContain('probe nut');
    expect(flagsIn(sw)).toEqual(['json', 'community', 'version', 'v3-user', 'level', 'auth-proto', 'auth-key', 'priv-proto', 'priv-key', 'timeout', 'retries', 'max-repetitions', 'max-varbinds', 'bulk']);
    expect(flagsIn((await cli('probe', 'nut', '--help')).out)).toEqual(['json', 'ups', 'username', 'password', 'tls', 'timeout']);
    expect(flagsIn((await cli('probe', 'snmp-pdu', '--help')).out).slice(0, 4)).toEqual(['json', 'profile', 'profile-file', 'feeds']);
  });

  it("every flag a kind's help lists is one its probe takes (none is \"unknown\")", async () => {
    for (const kind of Object.values(SOURCES).filter((k) => k.probe)) {
      const help = (await cli('probe', kind.kind, '--help')).out;
      for (const flag of flagsIn(help).filter((f) => f !== 'json')) {
        try {
          kind.probe!.target('127.0.0.1', 161, { [flag]: '1' });
        } catch (e) {
          expect(isCoded(e) ? `${kind.kind} ${e.message}` : String(e)).not.toMatch(/unknown flag/);
        }
      }
    }
  });

  it('--version names version, commit (source when run from TypeScript) and node', async () => {
    expect((await cli('--version')).out).toBe(`dcprobe-agent 0.1.0 (commit source, node ${process.version})\n`);
  });
});

describe('dcprobe-agent check-config', () => {
  it("shows every problem, the targets' included", async () => {
    const f = join(tmp, 'many.yml');
    writeFileSync(f, [
      'agentId: rack a', 'collectors: [http://x]', 'token: short',
      'targets:', '  - { kind: snmp-switch, name: sw1, host: 10.0.0.1, ports: all, version: 2c }', '  - { kind: toaster, name: t1 }',
    ].join('\n'));
    const r = await cli('check-config', f);
    expect(r.code).toBe(2);
    expect(r.err.trimEnd().split('\n')).toEqual([
      `${f}: agentId: letters, digits, . _ - only (at most 100)`,
      `${f}: collectors[0]: expected a ws:// or wss:// URL, e.g. ws://collector:9470/agent`,
      `${f}: token: at least 16 characters`,
      `${f}: targets[0].community: required for version 2c`,
      `${f}: targets[1].kind: unknown kind "toaster" (known: nut, snmp-pdu, snmp-switch, snmp-ups)`,
      `${f}: 5 problems`,
    ]);
  });
});
