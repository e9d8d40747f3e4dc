/**
 * The trap receiver on port 0 against the sim switch's real linkDown/linkUp
 * traps: v2c and v3 (authPriv) accepted and mapped to `<switch>/<ifName>`;
 * wrong community, wrong key and unknown senders counted and dropped.
 */
import { describe, expect, it, onTestFinished } from 'vitest';
import { silentLogger } from '../../../agent/src/log.ts';
import { startSimSwitch, type SimSwitch, type SimTrapTo } from '../../../agent/src/sim/switch.ts';
import { openSwitch, switchTargetSchema } from '../../../agent/src/sources/snmp-switch.ts';
import type { SwitchInstance } from '../../../agent/src/switch/instance.ts';
import { trapRouter } from '../../../agent/src/agent-traps.ts';
import { startTrapReceiver, type RoutedTrap, type TrapReceiver } from '../../../agent/src/traps.ts';
import type { SnmpV3User } from '../../../agent/src/snmp/types.ts';
import { Registry } from 'prom-client';
import { createSocket } from 'node:dgram';
import { until } from '../../support/wait.ts';

const trapUser: SnmpV3User = { name: 'trapper', level: 'authPriv', authProtocol: 'sha', authKey: 'trap-auth-1', privProtocol: 'aes', privKey: 'trap-priv-1' };

/** What the tests look at: the route's target, the notification, and the switch's reading of it. */
type TrapEvent = RoutedTrap['notification'] & { target: string; subject: string | null; ifName: string | null; kind: string; ifIndex: number | null; state: string | null };

function flatten(t: RoutedTrap): TrapEvent {
  const d = t.outcome.detail as { subject: string | null; ifName: string | null; kind: string; ifIndex: number | null };
  return { ...t.notification, target: t.target, ...d, state: t.outcome.readings[0]?.state ?? null };
}

interface Rig { rx: TrapReceiver; events: TrapEvent[]; next(): Promise<TrapEvent>; registry: Registry }

/** The receiver routing to the switches opened so far (`open`), or to `instances` only. */
const open: { name: string; instance: SwitchInstance }[] = [];

async function receiver(opts: { instances?: () => SwitchInstance[] } = {}): Promise<Rig> {
  const events: TrapEvent[] = [];
  let waiter: ((e: TrapEvent) => void) | null = null;
  const registry = new Registry();
  const targets = () => (opts.instances ? opts.instances().map((instance) => ({ name: instance.name, instance })) : open);
  const rx = await startTrapReceiver({
    port: 0, address: '127.0.0.1', communities: ['trapcomm'], users: [trapUser], log: silentLogger, registry,
    route: trapRouter(targets),
    onTrap(t) { const e = flatten(t); events.push(e); waiter?.(e); },
  });
  onTestFinished(() => rx.close());
  const next = () => new Promise<TrapEvent>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error('no trap within 3 s')), 3000);
    waiter = (e) => { clearTimeout(t); waiter = null; resolve(e); };
  });
  return { rx, events, next, registry };
}

async function simWithTraps(trapTo: SimTrapTo, initialUptime?: number): Promise<SimSwitch> {
  const s = await startSimSwitch({ trapTo, ...(initialUptime !== undefined ? { initialUptime } : {}) });
  onTestFinished(() => s.close());
  return s;
}

async function polledSwitch(s: SimSwitch, cfg: Record<string, unknown> = {}): Promise<SwitchInstance> {
  const target = switchTargetSchema.parse({ kind: 'snmp-switch', name: 'sw1', host: '127.0.0.1', port: s.port, community: 'public', ports: { aliasPattern: '^CUST:' }, ...cfg });
  const inst = openSwitch(target, { log: silentLogger, now: Date.now });
  open.push({ name: inst.name, instance: inst });
  onTestFinished(() => { inst.close(); open.splice(open.findIndex((o) => o.instance === inst), 1); });
  await inst.poll({ signal: new AbortController().signal, now: Date.now, log: silentLogger });
  return inst;
}

describe('trap receiver', () => {
  it('v2c linkDown and linkUp from a configured switch map to its port', async () => {
    const rig = await receiver();
    const s = await simWithTraps({ host: '127.0.0.1', port: rig.rx.port, community: 'trapcomm' });
    await polledSwitch(s);
    const down = rig.next();
    const t0 = Date.now();
    await s.setOper('ge-0/0/7', 'down');
    expect(await down).toMatchObject({
      target: 'sw1', subject: 'sw1/ge-0/0/7', ifName: 'ge-0/0/7', kind: 'linkDown', ifIndex: 7, state: 'down', version: '2c', from: '127.0.0.1',
    });
    const up = rig.next();
    await s.setOper('ge-0/0/7', 'up');
    const e = await up;
    expect(e).toMatchObject({ subject: 'sw1/ge-0/0/7', kind: 'linkUp', state: 'up' });
    expect(e.receivedAt).toBeGreaterThanOrEqual(t0);
    expect(e.varbinds.map((v: { oid: string }) => v.oid)).toContain('1.3.6.1.2.1.2.2.1.8.7');
    expect(rig.rx.counters).toMatchObject({ received: 2, accepted: 2 });
  });

  it('a trap about a port the target does not poll is delivered without a subject', async () => {
    const rig = await receiver();
    const s = await simWithTraps({ host: '127.0.0.1', port: rig.rx.port, community: 'trapcomm' });
    await polledSwitch(s); // polls CUST: ports only
    const ev = rig.next();
    await s.setOper('xe-0/1/0', 'down');
    expect(await ev).toMatchObject({ target: 'sw1', subject: null, ifName: 'xe-0/1/0', kind: 'linkDown' });
  });

  it('v3 authPriv (SHA/AES) traps are decrypted and mapped', async () => {
    const rig = await receiver();
    const s = await simWithTraps({ host: '127.0.0.1', port: rig.rx.port, user: trapUser });
    await polledSwitch(s);
    const ev = rig.next();
    await s.setOper('ge-0/0/3', 'down');
    expect(await ev).toMatchObject({ subject: 'sw1/ge-0/0/3', kind: 'linkDown', version: '3' });
  });

  it('a wrong community is counted and dropped', async () => {
    const rig = await receiver();
    const s = await simWithTraps({ host: '127.0.0.1', port: rig.rx.port, community: 'guess' });
    await polledSwitch(s);
    await s.setOper('ge-0/0/3', 'down');
    await until(() => rig.rx.counters.dropped.badCredentials === 1, 2000, 'the bad-credentials drop', 20);
    expect(rig.events).toHaveLength(0);
    expect(await rig.registry.getSingleMetricAsString('dcprobe_agent_traps_dropped_total')).toContain('reason="badCredentials"} 1');
  });

  it('a wrong v3 key is counted and dropped', async () => {
    const rig = await receiver();
    const s = await simWithTraps({ host: '127.0.0.1', port: rig.rx.port, user: { ...trapUser, authKey: 'not-the-key' } });
    await polledSwitch(s);
    await s.setOper('ge-0/0/3', 'down');
    await until(() => rig.rx.counters.dropped.badCredentials === 1, 2000, 'the bad-credentials drop', 20);
    expect(rig.events).toHaveLength(0);
  });

  it('a sender that is not a configured switch is counted and dropped', async () => {
    // Only a switch at another address is configured (and only it is offered to the resolver).
    const other = await startSimSwitch();
    onTestFinished(() => other.close());
    const elsewhere = openSwitch(
      switchTargetSchema.parse({ kind: 'snmp-switch', name: 'far', host: '192.0.2.1', community: 'public', ports: 'all' }),
      { log: silentLogger, now: Date.now },
    );
    onTestFinished(() => elsewhere.close());
    const rig = await receiver({ instances: () => [elsewhere] });
    const s = await simWithTraps({ host: '127.0.0.1', port: rig.rx.port, community: 'trapcomm' });
    await s.setOper('ge-0/0/3', 'down');
    await until(() => rig.rx.counters.dropped.unknownSource === 1, 2000, 'the unknown-source drop', 20);
    expect(rig.events).toHaveLength(0);
  });

  it('an undecodable datagram is counted as malformed', async () => {
    const rig = await receiver();
    const sock = createSocket('udp4');
    onTestFinished(() => { sock.close(); });
    await new Promise<void>((r) => sock.send(Buffer.from('not snmp at all'), rig.rx.port, '127.0.0.1', () => r()));
    await until(() => rig.rx.counters.dropped.malformed === 1, 2000, 'the malformed drop', 20);
    expect(rig.rx.counters.received).toBe(1);
  });

  it('a trap right after a renumbering reboot is not mapped through the stale ifIndex table', async () => {
    const rig = await receiver();
    // Up for an hour before the reboot, as a real switch would be: with a sim started
    // a moment ago, a loaded machine could deliver the post-reboot trap at an uptime no
    // lower than the last poll's, and nothing would look like a restart.
    const s = await simWithTraps({ host: '127.0.0.1', port: rig.rx.port, community: 'trapcomm' }, 360_000);
    const sw = await polledSwitch(s);
    s.reboot({ renumber: true });
    const ev = rig.next();
    await s.setOper('ge-0/0/3', 'down'); // now ifIndex 4, which the stale table calls ge-0/0/4
    expect(await ev).toMatchObject({ ifIndex: 4, subject: null });
    const rs = await sw.poll({ signal: new AbortController().signal, now: Date.now, log: silentLogger });
    expect(rs.find((r) => r.subject === 'sw1/ge-0/0/3')).toMatchObject({ state: 'down', evidence: { ifIndex: 4 } });
  });
});
