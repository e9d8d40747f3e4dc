/**
 * `dcprobe-agent discover snmp-switch …` against the simulated switch (net-snmp's
 * own agent on port 0, ifAlias `CUST:cust-NN` and `UPLINK:core-a|b`): the blocks it
 * prints load in agent.yml and collector.yml through each program's check-config.
 */
import { describe, expect, it, onTestFinished } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { discoverCommand } from '../../../agent/src/cli/discover.ts';
import { main as agentMain } from '../../../agent/src/cli.ts';
import { main as collectorMain } from '../../../collector/src/cli.ts';
import { startSimSwitch, type SimSwitch } from '../../../agent/src/sim/switch.ts';

async function sim(ports = 6): Promise<SimSwitch> {
  const s = await startSimSwitch({ port: 0, ports });
  onTestFinished(() => s.close());
  return s;
}

type Run = { code: number; out: string; err: string };
async function capture(fn: (io: { out(s: string): void; err(s: string): void }) => Promise<number>): Promise<Run> {
  let out = '', err = '';
  const code = await fn({ out: (s) => { out += `${s}\n`; }, err: (s) => { err += `${s}\n`; } });
  return { code, out, err };
}
const discover = (args: string[]) => capture((io) => discoverCommand(args, io));

function tmp(): string {
  const d = mkdtempSync(join(tmpdir(), 'dcp-discover-'));
  onTestFinished(() => rmSync(d, { recursive: true, force: true }));
  return d;
}

/** The two YAML documents discover prints, placed in minimal configs and run through both check-configs. */
async function checkBoth(out: string): Promise<{ agent: Run; collector: Run; targets: any[]; customers: any[] }> {
  const docs = parseAllDocuments(out).map((d) => d.toJS());
  expect(docs).toHaveLength(2);
  const [{ targets }, { customers }] = docs as [{ targets: any[] }, { customers: any[] }];
  const dir = tmp();
  writeFileSync(join(dir, 'agent.yml'), JSON.stringify({ agentId: 'rack-1', collectors: ['ws://127.0.0.1:9470/agent'], token: 'a-token-of-16-chars+', targets }));
  writeFileSync(join(dir, 'collector.yml'), JSON.stringify({ customers }));
  return {
    agent: await capture((io) => agentMain(['check-config', join(dir, 'agent.yml')], io)),
    collector: await capture((io) => collectorMain(['check-config', join(dir, 'collector.yml')], io)),
    targets, customers,
  };
}

describe('discover snmp-switch (in-process, net-snmp agent)', () => {
  it('proposes a target polling the customer ports and uplinks, and one customer per ifAlias id; both pass check-config', async () => {
    const s = await sim(6);
    s.setAlias('ge-0/0/3', 'CUST:cust-01'); // a second port of cust-01
    s.setAlias('ge-0/0/4', 'spare');
    const r = await discover(['snmp-switch', `127.0.0.1:${s.port}`, '--community', 'public', '--name', 'sw1', '--uplink-pattern', '^UPLINK:']);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(/^# agent.yml: add to `targets:`/);
    const c = await checkBoth(r.out);
    expect(c.agent.code, c.agent.err).toBe(0);
    expect(c.collector.code, c.collector.err).toBe(0);
    expect(c.collector.out).toContain('ok (0 agents, 4 customers');
    expect(c.targets).toEqual([{
      kind: 'snmp-switch', name: 'sw1', host: '127.0.0.1', port: s.port, version: '2c', community: 'public',
      ports: ['ge-0/0/1', 'ge-0/0/2', 'ge-0/0/3', 'ge-0/0/5', 'ge-0/0/6'], uplinks: ['xe-0/1/0', 'xe-0/1/1'],
    }]);
    const uplinks = ['sw1/xe-0/1/0', 'sw1/xe-0/1/1'];
    expect(c.customers).toEqual([
      { id: 'cust-01', network: { ports: ['sw1/ge-0/0/1', 'sw1/ge-0/0/3'], uplinks } },
      { id: 'cust-02', network: { ports: ['sw1/ge-0/0/2'], uplinks } },
      { id: 'cust-05', network: { ports: ['sw1/ge-0/0/5'], uplinks } },
      { id: 'cust-06', network: { ports: ['sw1/ge-0/0/6'], uplinks } },
    ]);
  });

  it('takes another alias convention, says which aliases gave no valid id, and can print JSON', async () => {
    const s = await sim(3);
    s.setAlias('ge-0/0/1', 'cust=acme-01 rack A3');
    s.setAlias('ge-0/0/2', 'cust=acme 02');
    s.setAlias('ge-0/0/3', 'cust=');
    const r = await discover(['snmp-switch', `127.0.0.1:${s.port}`, '--community', 'public', '--alias-pattern', '^cust=(?<customer>\\S*)', '--json']);
    expect(r.code, r.err).toBe(0);
    const j = JSON.parse(r.out) as { target: Record<string, unknown>; customers: unknown[] };
    expect(j.target).toMatchObject({ name: '127.0.0.1', ports: ['ge-0/0/1', 'ge-0/0/2'] });
    expect(j.target).not.toHaveProperty('uplinks');
    expect(j.customers).toEqual([{ id: 'acme-01', network: { ports: ['127.0.0.1/ge-0/0/1'] } }, { id: 'acme', network: { ports: ['127.0.0.1/ge-0/0/2'] } }]);
    expect(r.err).toContain('note: ge-0/0/3: customer id "" from ifAlias is not a valid id');
  });

  it('polls every interface and proposes no customer when no alias matches; the output still loads', async () => {
    const s = await sim(2);
    const r = await discover(['snmp-switch', `127.0.0.1:${s.port}`, '--community', 'public', '--alias-pattern', '^TENANT/(?<customer>.+)$']);
    expect(r.code, r.err).toBe(0);
    expect(r.err).toContain('note: no ifAlias matched ^TENANT/(?<customer>.+)$');
    const c = await checkBoth(r.out);
    expect([c.agent.code, c.collector.code]).toEqual([0, 0]);
    expect(c.targets[0].ports).toBe('all');
    expect(c.customers).toEqual([]);
  });

  it('refuses a pattern without a customer group or that does not compile (exit 2), and a switch that does not answer (exit 1)', async () => {
    const s = await sim(1);
    const a = await discover(['snmp-switch', `127.0.0.1:${s.port}`, '--community', 'public', '--alias-pattern', '^CUST:(.+)']);
    expect([a.code, a.err.trim()]).toEqual([2, '--alias-pattern: needs a named group (?<customer>…) for the customer id']);
    const b = await discover(['snmp-switch', `127.0.0.1:${s.port}`, '--community', 'public', '--uplink-pattern', '(']);
    expect([b.code, b.err.trim()]).toEqual([2, '--uplink-pattern: not a valid regular expression']);
    const c = await discover(['snmp-switch', `127.0.0.1:${s.port}`, '--community', 'wrong-community', '--timeout', '200', '--retries', '0']);
    expect(c.code).toBe(1);
    expect(c.err).not.toContain('wrong-community');
    const d = await discover(['snmp-ups', '127.0.0.1']);
    expect([d.code, d.err.trim()]).toEqual([2, 'kind snmp-ups has no discovery; try one of: snmp-switch']);
  });

  it('carries SNMPv3 credentials into the target block', async () => {
    const user = { name: 'ops', level: 'authPriv', authProtocol: 'sha256', authKey: 'disc-auth-1', privProtocol: 'aes', privKey: 'disc-priv-1' } as const;
    const s = await startSimSwitch({ port: 0, ports: 2, v3User: user });
    onTestFinished(() => s.close());
    const r = await discover(['snmp-switch', `127.0.0.1:${s.port}`, '--v3-user', 'ops', '--auth-proto', 'sha256', '--auth-key', 'disc-auth-1',
      '--priv-proto', 'aes', '--priv-key', 'disc-priv-1', '--name', 'sw-v3']);
    expect(r.code, r.err).toBe(0);
    const c = await checkBoth(r.out);
    expect(c.agent.code, c.agent.err).toBe(0);
    expect(c.targets[0]).toMatchObject({ version: '3', user });
    expect(c.agent.out).not.toContain('disc-auth-1'); // check-config still prints secrets as <secret>
  });
});
