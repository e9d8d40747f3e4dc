/**
 * Proves the switch namespace + snmpd fixtures against the real snmpd: fixed ifIndexes,
 * port flips visible in ifOperStatus, traps arriving at the host address, v3, SET ifAlias.
 * The timings printed here (namespace creation, snmpd start, flip → ifOperStatus) are the
 * ones the report quotes.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import snmp from 'net-snmp';
import { createSwitchNetns } from './fixtures/netns.ts';
import type { SwitchNetns } from './fixtures/netns.ts';
import { listenForTraps, OID, startSnmpd } from './fixtures/snmpd.ts';
import type { Snmpd, TrapListener, V3Creds } from './fixtures/snmpd.ts';
import { freeUdpPort } from '../support/ports.ts';
import { waitUntil } from '../support/wait.ts';

const strip = (oid: string): string => oid.replace(/^\./, '');

function v3Get(host: string, user: V3Creds, oid: string): Promise<unknown> {
  const session = snmp.createV3Session(host, {
    name: user.name,
    level: snmp.SecurityLevel[user.level],
    authProtocol: snmp.AuthProtocols[user.authProtocol],
    authKey: user.authKey,
    ...(user.privProtocol ? { privProtocol: snmp.PrivProtocols[user.privProtocol], privKey: user.privKey } : {}),
  }, { timeout: 1000, retries: 0 });
  return new Promise((resolve, reject) => {
    session.get([strip(oid)], (err: Error | null, vbs: { value: unknown }[]) => {
      session.close();
      if (err) reject(err);
      else resolve(vbs[0]?.value);
    });
  });
}

describe('snmpd in a switch namespace (4 ports)', () => {
  let sw: SwitchNetns;
  let snmpd: Snmpd;
  let rx: TrapListener;
  let ref: TrapListener;

  beforeAll(async () => {
    sw = await createSwitchNetns({ ports: 4 });
    const trapPort = await freeUdpPort(sw.hostAddr);
    const refPort = await freeUdpPort(sw.hostAddr);
    rx = listenForTraps(sw.hostAddr, trapPort);
    ref = listenForTraps(sw.hostAddr, refPort);
    snmpd = await startSnmpd(sw, { trapPort, extraTrapPorts: [refPort] });
    console.log(`[timing] 4-port netns ${sw.createMs.toFixed(0)} ms, snmpd answering after ${snmpd.startMs.toFixed(0)} ms`);
  });

  afterAll(async () => {
    rx?.close();
    ref?.close();
    await snmpd?.stop();
    await sw?.destroy();
  });

  it('serves ifDescr and ifOperStatus=up at the fixed ifIndexes (snmpget -v2c -On)', async () => {
    expect(sw.ports.map((p) => p.ifIndex)).toEqual([1001, 1002, 1003, 1004]);
    const oids = sw.ports.flatMap((p) => [`${OID.ifDescr}.${p.ifIndex}`, `${OID.ifOperStatus}.${p.ifIndex}`]);
    const got = await snmpd.get(oids);
    for (const p of sw.ports) {
      expect(got.get(`${OID.ifDescr}.${p.ifIndex}`)).toBe(`"${p.name}"`);
      expect(got.get(`${OID.ifOperStatus}.${p.ifIndex}`)).toBe('1');
    }
  });

  it('answers SNMPv3 authPriv and authNoPriv, and rejects a wrong privacy key', async () => {
    expect(Number(await v3Get(snmpd.host, snmpd.v3.authPriv, OID.sysUpTime))).toBeGreaterThan(0);
    expect(Number(await v3Get(snmpd.host, snmpd.v3.authNoPriv, OID.sysUpTime))).toBeGreaterThan(0);
    await expect(v3Get(snmpd.host, { ...snmpd.v3.authPriv, privKey: 'wrong-priv-key' }, OID.sysUpTime)).rejects.toThrow();
  });

  it('shows a port set down in ifOperStatus within ~4 s, and back up', async () => {
    const idx = sw.port('swp1').ifIndex;
    const oper = `${OID.ifOperStatus}.${idx}`;
    const t0 = Date.now();
    await sw.setPort('swp1', 'down');
    const downMs = (await snmpd.waitForOperStatus(idx, 'down', { timeoutMs: 5_000 })) - t0;
    expect((await snmpd.get([`${OID.ifAdminStatus}.${idx}`])).get(`${OID.ifAdminStatus}.${idx}`)).toBe('2');
    const t1 = Date.now();
    await sw.setPort('swp1', 'up');
    await waitUntil('swp1 ifOperStatus up', async () => (await snmpd.get([oper])).get(oper) === '1', { timeoutMs: 5_000 });
    console.log(`[timing] flip → ifOperStatus: down ${downMs} ms, up ${Date.now() - t1} ms`);
  });

  it('a far-end outage reads as ifOperStatus down with ifAdminStatus still up', async () => {
    const idx = sw.port('swp4').ifIndex;
    const oper = `${OID.ifOperStatus}.${idx}`;
    await sw.setFarEnd('swp4', 'down');
    await waitUntil('swp4 oper down', async () => (await snmpd.get([oper])).get(oper) === '2', { timeoutMs: 5_000 });
    expect((await snmpd.get([`${OID.ifAdminStatus}.${idx}`])).get(`${OID.ifAdminStatus}.${idx}`)).toBe('1');
    await sw.setFarEnd('swp4', 'up');
    await waitUntil('swp4 oper up', async () => (await snmpd.get([oper])).get(oper) === '1', { timeoutMs: 5_000 });
  });

  it('sends linkDown then linkUp traps for the flipped port to the host address, to every sink', async () => {
    const idx = sw.port('swp2').ifIndex;
    const operVb = `${strip(OID.ifOperStatus)}.${idx}`;
    const t0 = Date.now();
    await sw.setPort('swp2', 'down');
    const down = await rx.waitFor(OID.linkDown, idx, { after: t0, timeoutMs: 6_000 });
    expect(down.varbinds.get(operVb)).toBe(2);
    await ref.waitFor(OID.linkDown, idx, { after: t0, timeoutMs: 2_000 });
    const t1 = Date.now();
    await sw.setPort('swp2', 'up');
    const up = await rx.waitFor(OID.linkUp, idx, { after: t1, timeoutMs: 6_000 });
    expect(up.varbinds.get(operVb)).toBe(1);
    // No trap for a port that did not change.
    expect(rx.traps.some((t) => t.at >= t0 && t.varbinds.has(`${strip(OID.ifOperStatus)}.${sw.port('swp3').ifIndex}`))).toBe(false);
    console.log(`[timing] flip → trap: linkDown ${down.at - t0} ms, linkUp ${up.at - t1} ms`);
  });

  it('sets ifAlias over SNMP SET and reads it back', async () => {
    const idx = sw.port('swp3').ifIndex;
    await snmpd.setIfAlias(idx, 'CUST:acme-01');
    const got = await snmpd.get([`${OID.ifAlias}.${idx}`, `${OID.ifName}.${idx}`]);
    expect(got.get(`${OID.ifAlias}.${idx}`)).toBe('"CUST:acme-01"');
    expect(got.get(`${OID.ifName}.${idx}`)).toBe('"swp3"');
  });

  it('restart() brings sysUpTime back near zero (what a switch reload looks like)', async () => {
    const before = Number((await snmpd.get([OID.sysUpTime])).get(OID.sysUpTime));
    const pid = snmpd.pid;
    await snmpd.restart();
    const after = Number((await snmpd.get([OID.sysUpTime])).get(OID.sysUpTime));
    expect(snmpd.pid).not.toBe(pid);
    expect(after).toBeLessThan(before);
  });

  it('renumber() recreates the ports at new ifIndexes, as after a switch reload', async () => {
    await sw.renumber(2000);
    expect(sw.port('swp1').ifIndex).toBe(2001);
    const descr = `${OID.ifDescr}.2001`;
    await waitUntil('ifDescr.2001 after renumbering', async () => (await snmpd.get([descr])).get(descr) === '"swp1"', { timeoutMs: 8_000 });
    const walked = await snmpd.walk(OID.ifDescr);
    expect(walked.has(`${OID.ifDescr}.1001`)).toBe(false);
    expect(sw.ports.every((p) => walked.get(`${OID.ifDescr}.${p.ifIndex}`) === `"${p.name}"`)).toBe(true);
  });
});

describe.each([48, 500])('switch namespace with %i ports', (count) => {
  let sw: SwitchNetns;
  let snmpd: Snmpd;

  afterAll(async () => {
    await snmpd?.stop();
    await sw?.destroy();
  });

  it('walks every port in ifOperStatus, all up, at the expected ifIndexes', async () => {
    sw = await createSwitchNetns({ ports: count });
    snmpd = await startSnmpd(sw);
    const t0 = performance.now();
    const walked = await snmpd.walk(OID.ifOperStatus);
    const walkMs = performance.now() - t0;
    console.log(`[timing] ${count} ports: netns ${sw.createMs.toFixed(0)} ms, snmpd answering after ${snmpd.startMs.toFixed(0)} ms, `
      + `first ifOperStatus bulkwalk ${walkMs.toFixed(0)} ms`);
    for (const p of sw.ports) expect(walked.get(`${OID.ifOperStatus}.${p.ifIndex}`)).toBe('1');
    // lo + uplink0 + the ports: nothing else in the switch's ifTable.
    expect(walked.size).toBe(count + 2);
  });
});
