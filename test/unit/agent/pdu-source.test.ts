import { describe, expect, it, onTestFinished } from 'vitest';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fakeSnmp } from '../../../agent/src/snmp/fake.ts';
import { silentLogger } from '../../../agent/src/log.ts';
import { openPdu, pduTargetSchema } from '../../../agent/src/sources/snmp-pdu.ts';
import { SOURCES } from '../../../agent/src/sources/index.ts';
import { tempDir } from '../../support/temp.ts';

const INT = 2;
const deps = { log: silentLogger, now: () => 0 };
const ctx = { signal: new AbortController().signal, now: () => 0, log: silentLogger };
const target = (extra: Record<string, unknown>) => pduTargetSchema.parse({ kind: 'snmp-pdu', name: 'ats1', host: '127.0.0.1', community: 'public', ...extra });

function atsFake(out: number, selected: number) {
  const f = fakeSnmp();
  f.set('1.3.6.1.4.1.318.1.1.8.5.1.15.0', INT, out);
  f.set('1.3.6.1.4.1.318.1.1.8.5.1.2.0', INT, selected);
  f.set('1.3.6.1.4.1.318.1.1.8.5.4.5.1.6.1', INT, out === 2 ? 230 : 0);
  f.set('1.3.6.1.4.1.318.1.1.8.5.1.12.0', INT, selected === 1 ? 2 : 1);
  f.set('1.3.6.1.4.1.318.1.1.8.5.1.13.0', INT, 2);
  f.set('1.3.6.1.4.1.318.1.1.8.5.3.3.1.3.1.1.1', INT, selected === 1 ? 231 : 0);
  f.set('1.3.6.1.4.1.318.1.1.8.5.3.3.1.3.2.1.1', INT, 229);
  return f;
}

describe('snmp-pdu with the apc-ats profile', () => {
  it('is registered', () => expect(SOURCES['snmp-pdu']?.kind).toBe('snmp-pdu'));

  it('reads output, sourceA and sourceB as <name>/<feed> in one GET (no walk: no table feeds)', async () => {
    const f = atsFake(2, 2);
    const rs = await openPdu(target({ profile: 'apc-ats' }), deps, { client: () => f }).poll(ctx);
    expect(rs.map((r) => [r.subject, r.state])).toEqual([['ats1/output', 'mains'], ['ats1/sourceA', 'off'], ['ats1/sourceB', 'mains']]);
    expect(rs[0]!.evidence).toEqual({ profile: 'apc-ats', voltageOutStatus: 2, voltageOutStatusName: 'ok', selectedSource: 2, selectedSourceName: 'sourceB', voltage: 230 });
    expect(rs[1]!.evidence).toMatchObject({ status: 1, statusName: 'fail', voltage: 0, frequency: null });
    expect(rs[2]!.gauges).toEqual({ voltage_volts: 229 });
    expect(f.asked.map((a) => a.op)).toEqual(['get']);
  });

  it('output fail → off', async () => {
    const rs = await openPdu(target({ profile: 'apc-ats' }), deps, { client: () => atsFake(1, 1) }).poll(ctx);
    expect(rs[0]!.state).toBe('off');
  });

  it('limits to the named feeds, and a named feed the device lacks is unknown', async () => {
    const rs = await openPdu(target({ profile: 'apc-ats', feeds: ['output', 'sourceC'] }), deps, { client: () => atsFake(2, 1) }).poll(ctx);
    expect(rs.map((r) => [r.subject, r.state])).toEqual([['ats1/output', 'mains'], ['ats1/sourceC', 'unknown']]);
  });
});

describe('snmp-pdu with a table profile (ups-mib-input)', () => {
  const col = (c: number, line: number) => `1.3.6.1.2.1.33.1.3.3.1.${c}.${line}`;
  it('expands one feed per row and marks a row that vanished unknown', async () => {
    const f = fakeSnmp();
    f.set(col(3, 1), INT, 230); f.set(col(2, 1), INT, 500);
    f.set(col(3, 2), INT, 12); f.set(col(2, 2), INT, 0);
    const src = openPdu(target({ name: 'mains1', profile: 'ups-mib-input' }), deps, { client: () => f });
    const first = await src.poll(ctx);
    expect(first.map((r) => [r.subject, r.state])).toEqual([['mains1/input1', 'mains'], ['mains1/input2', 'off']]);
    expect(first[0]!.gauges).toEqual({ voltage_volts: 230, frequency_hertz: 50 });
    expect(f.asked[0]).toEqual({ op: 'walk', oids: ['1.3.6.1.2.1.33.1.3.3.1.3'] });
    f.values.delete(col(3, 2));
    f.values.delete(col(2, 2));
    const second = await src.poll(ctx);
    expect(second.map((r) => [r.subject, r.state])).toEqual([['mains1/input1', 'mains'], ['mains1/input2', 'unknown']]);
  });

  it('a device that does not answer throws the coded error', async () => {
    const f = fakeSnmp();
    f.fail = Object.assign(new Error('timeout'), { code: 'DCP_SNMP_TIMEOUT' });
    await expect(openPdu(target({ profile: 'ups-mib-input' }), deps, { client: () => f }).poll(ctx)).rejects.toMatchObject({ code: 'DCP_SNMP_TIMEOUT' });
  });
});

describe('snmp-pdu target schema', () => {
  const base = { kind: 'snmp-pdu', name: 'p', host: 'h', community: 'c' };
  it.each([
    [{}, 'profile', 'exactly one of profile or profileFile is required'],
    [{ profile: 'apc-ats', profileFile: '/x.yaml' }, 'profile', 'exactly one of profile or profileFile is required'],
    [{ profile: 'nope' }, 'profile', 'unknown profile "nope" (built in: apc-ats, ups-mib-input; or give profileFile)'],
    [{ profileFile: '/nonexistent/p.yaml' }, 'profileFile', 'cannot read profile /nonexistent/p.yaml: ENOENT'],
  ])('%j → %s: %s', (extra, path, message) => {
    const r = pduTargetSchema.safeParse({ ...base, ...extra });
    expect(r.success).toBe(false);
    expect(r.error!.issues[0]).toMatchObject({ path: [path], message });
  });

  it('loads an operator profile file', async () => {
    const { dir, cleanup } = tempDir('dcprobe-pdu-');
    onTestFinished(cleanup);
    const file = join(dir, 'acme-meter.yaml');
    writeFileSync(file, 'name: acme-meter\ndescription: d\nsource: vendor manual\nfeeds:\n  - feed: A\n    values: { volts: { oid: 1.3.6.1.4.1.99999.1.0, scale: 0.1 } }\n    rules:\n      - { when: { volts: { lt: 100 } }, state: "off" }\n      - { when: { volts: { gte: 100 } }, state: mains }\n');
    const f = fakeSnmp();
    f.set('1.3.6.1.4.1.99999.1.0', INT, 2301);
    const [r] = await openPdu(target({ name: 'm', profileFile: file }), deps, { client: () => f }).poll(ctx);
    expect(r).toMatchObject({ subject: 'm/A', state: 'mains', evidence: { profile: 'acme-meter', volts: 230.1 } });
  });
});
