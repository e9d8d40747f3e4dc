/**
 * `dcprobe-agent probe snmp-switch …` against the sim switch: in-process
 * (probeCommand) and as a real process through agent/bin/dcprobe-agent.mjs.
 */
import { describe, expect, it, onTestFinished } from 'vitest';
import { probeCommand } from '../../../agent/src/cli/probe.ts';
import { startSimSwitch, type SimSwitch, type SimSwitchOptions } from '../../../agent/src/sim/switch.ts';
import { startSimUps } from '../../../agent/src/sim/ups.ts';
import { runAgentCli } from '../../support/agent-cli.ts';
import { silentUdpPort } from '../../support/ports.ts';

async function sim(o: SimSwitchOptions = {}): Promise<SimSwitch> {
  const s = await startSimSwitch(o);
  onTestFinished(() => s.close());
  return s;
}

async function probe(args: string[]): Promise<{ code: number; out: string; err: string; ms: number }> {
  let out = '', err = '';
  const t0 = Date.now();
  const code = await probeCommand(args, { out: (s) => { out += `${s}\n`; }, err: (s) => { err += `${s}\n`; } });
  return { code, out, err, ms: Date.now() - t0 };
}

const v3 = { name: 'ops', level: 'authPriv', authProtocol: 'sha256', authKey: 'probe-auth-1', privProtocol: 'aes', privKey: 'probe-priv-1' } as const;

describe('probe snmp-switch (in-process)', () => {
  it('--json lists every interface with index, names, state and admin status', async () => {
    const s = await sim();
    await s.setOper('ge-0/0/4', 'down');
    s.setAdmin('ge-0/0/5', 'down');
    await s.setOper('ge-0/0/5', 'down');
    const r = await probe(['snmp-switch', `127.0.0.1:${s.port}`, '--community', 'public', '--json']);
    expect(r.code).toBe(0);
    const rows = JSON.parse(r.out) as Record<string, unknown>[];
    expect(rows).toHaveLength(50);
    expect(rows[0]).toMatchObject({ ifIndex: 1, ifName: 'ge-0/0/1', ifAlias: 'CUST:cust-01', ifDescr: 'GigabitEthernet ge-0/0/1', state: 'up', admin: 'up' });
    expect(rows[3]).toMatchObject({ ifName: 'ge-0/0/4', state: 'down', admin: 'up' });
    expect(rows[4]).toMatchObject({ ifName: 'ge-0/0/5', state: 'down', admin: 'down' });
    expect(rows[49]).toMatchObject({ ifIndex: 50, ifName: 'xe-0/1/1', ifAlias: 'UPLINK:core-b' });
    expect(rows.every((x) => typeof x.ifIndex === 'number')).toBe(true);
  });

  it('prints one line per interface for humans', async () => {
    const s = await sim();
    const r = await probe(['snmp-switch', `127.0.0.1:${s.port}`, '--community', 'public']);
    expect(r.code).toBe(0);
    const lines = r.out.trimEnd().split('\n');
    expect(lines).toHaveLength(50);
    expect(lines[6]).toMatch(/^\s+7 ge-0\/0\/7\s+up\s+oper=up\s+admin=up\s+CUST:cust-07$/);
  });

  it('v3 authPriv, and never a key or community on screen', async () => {
    const s = await sim({ v3User: v3 });
    const r = await probe(['snmp-switch', `127.0.0.1:${s.port}`, '--v3-user', 'ops', '--auth-proto', 'sha256', '--auth-key', v3.authKey,
      '--priv-proto', 'aes', '--priv-key', v3.privKey, '--json']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out)).toHaveLength(50);
    expect(r.out + r.err).not.toMatch(/probe-auth-1|probe-priv-1/);
  });

  it('no answer: says so on err and exits 1 within the default 2 × 1 s', async () => {
    const port = await silentUdpPort();
    const r = await probe(['snmp-switch', `127.0.0.1:${port}`, '--community', 'S3cret-comm']);
    expect(r).toMatchObject({ code: 1, out: '', err: `no response from 127.0.0.1:${port} after 2 tries\n` });
    expect(r.ms).toBeLessThan(3500);
    expect(r.err).not.toContain('S3cret-comm');
  });

  it('a wrong community looks like no answer (the agent stays silent), quickly with --timeout', async () => {
    const s = await sim();
    const r = await probe(['snmp-switch', `127.0.0.1:${s.port}`, '--community', 'S3cret-comm', '--timeout', '200', '--retries', '0']);
    expect(r).toMatchObject({ code: 1, err: `no response from 127.0.0.1:${s.port} after 1 try\n` });
    expect(r.ms).toBeLessThan(1500);
  });

  it('a wrong v3 key fails within seconds without echoing it', async () => {
    const s = await sim({ v3User: v3 });
    const r = await probe(['snmp-switch', `127.0.0.1:${s.port}`, '--v3-user', 'ops', '--auth-proto', 'sha256', '--auth-key', 'Wrong-key-123',
      '--priv-proto', 'aes', '--priv-key', v3.privKey]);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(new RegExp(`^(no response from 127\\.0\\.0\\.1:${s.port} after 2 tries|SNMPv3 credentials rejected by 127\\.0\\.0\\.1:${s.port}.*)\\n$`));
    expect(r.err).not.toMatch(/Wrong-key-123|probe-priv-1/);
    expect(r.ms).toBeLessThan(3500);
  });

  it('a device that lists no interfaces: says so and exits 1', async () => {
    const ups = await startSimUps({ community: 'public' }); // UPS-MIB only, no ifTable
    onTestFinished(() => ups.close());
    const r = await probe(['snmp-switch', `127.0.0.1:${ups.port}`, '--community', 'public', '--json']);
    expect(r).toMatchObject({ code: 1, out: '[]\n', err: `127.0.0.1:${ups.port} lists no interfaces (its ifTable is empty, or not served to this community or user)\n` });
  });

  it.each([
    [['snmp-switch'], /^usage: dcprobe-agent probe KIND HOST\[:PORT\]/],
    [['no-such-kind', '127.0.0.1'], /^unknown kind no-such-kind; try one of: .*snmp-switch/],
    [['snmp-switch', '127.0.0.1'], /^--community: required for version 2c$/],
    [['snmp-switch', '127.0.0.1:70000', '--community', 'public'], /^HOST\[:PORT\]: cannot read "127\.0\.0\.1:70000"$/],
  ])('usage errors exit 2: %j', async (args, message) => {
    const r = await probe(args);
    expect(r.code).toBe(2);
    expect(r.err.trimEnd()).toMatch(message);
  });
});

describe('probe snmp-switch (real process)', () => {
  it('node agent/bin/dcprobe-agent.mjs probe snmp-switch 127.0.0.1:PORT --community public --json', async () => {
    const s = await sim();
    await s.setOper('ge-0/0/2', 'down');
    const r = await runAgentCli(['probe', 'snmp-switch', `127.0.0.1:${s.port}`, '--community', 'public', '--json']);
    expect(r.code).toBe(0);
    const rows = JSON.parse(r.stdout) as { ifIndex: number; ifName: string; state: string; admin: string }[];
    expect(rows).toHaveLength(50);
    expect(rows[1]).toMatchObject({ ifIndex: 2, ifName: 'ge-0/0/2', state: 'down', admin: 'up' });
  });

  it('exits 1 with the message on stderr when nothing answers', async () => {
    const port = await silentUdpPort();
    const r = await runAgentCli(['probe', 'snmp-switch', `127.0.0.1:${port}`, '--community', 'public']);
    expect(r).toMatchObject({ code: 1, stdout: '' });
    expect(r.stderr).toContain(`no response from 127.0.0.1:${port} after 2 tries`);
  });
});
