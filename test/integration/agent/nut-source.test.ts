import { afterEach, describe, expect, it } from 'vitest';
import { E } from '@dcprobe/shared';
import { nutSource, nutTargetSchema } from '../../../agent/src/sources/nut.ts';
import { SOURCES } from '../../../agent/src/sources/index.ts';
import { silentLogger } from '../../../agent/src/log.ts';
import type { SourceInstance } from '../../../agent/src/sources/types.ts';
import { startNutPeer, type NutPeer } from './nut-peer.ts';

let peer: NutPeer | null = null;
let inst: SourceInstance | null = null;
afterEach(async () => {
  inst?.close();
  inst = null;
  await peer?.close();
  peer = null;
});

const ctx = () => ({ signal: new AbortController().signal, now: () => Date.now(), log: silentLogger });

function openFor(p: NutPeer, extra: Record<string, unknown>): SourceInstance {
  const t = nutTargetSchema.parse({ kind: 'nut', name: 'nut1', host: '127.0.0.1', port: p.port, timeoutMs: 500, ...extra });
  inst = nutSource.open(t, { log: silentLogger, now: () => Date.now() });
  return inst;
}

describe('nut source against a protocol peer', () => {
  it('is registered', () => {
    expect(SOURCES.nut).toBe(nutSource);
  });

  it('reads every UPS with ups: all, and marks one that vanished unknown', async () => {
    peer = await startNutPeer({ ups: {
      a: { vars: { 'ups.status': 'OL CHRG', 'battery.charge': '100' } },
      b: { vars: { 'ups.status': 'OB DISCHRG', 'battery.runtime': '600' } },
      c: { vars: {}, error: 'DATA-STALE' },
    } });
    const src = openFor(peer, { ups: 'all' });
    const first = await src.poll(ctx());
    expect(first.map((r) => [r.subject, r.state])).toEqual([
      ['nut1/a/output', 'mains'], ['nut1/b/output', 'battery'], ['nut1/c/output', 'unknown'],
    ]);
    expect(first[2]!.evidence).toEqual({ error: 'DATA-STALE' });
    expect(first[1]!.gauges).toEqual({ battery_runtime_seconds: 600 });

    peer.ups.delete('b');
    peer.ups.get('a')!.vars['ups.status'] = 'OFF';
    const second = await src.poll(ctx());
    expect(second.map((r) => [r.subject, r.state])).toEqual([
      ['nut1/a/output', 'off'], ['nut1/c/output', 'unknown'], ['nut1/b/output', 'unknown'],
    ]);
    expect(peer.sessions).toHaveLength(1);
  });

  it('names a single UPS <target>/output', async () => {
    peer = await startNutPeer({ ups: { dev1: { vars: { 'ups.status': 'OL BYPASS' } } } });
    const [r] = await openFor(peer, { ups: 'dev1' }).poll(ctx());
    expect(r).toMatchObject({ subject: 'nut1/output', state: 'bypass', evidence: { 'ups.status': 'OL BYPASS' } });
  });

  it('throws a coded error when upsd does not answer, for the poll loop to mark unknown', async () => {
    peer = await startNutPeer({ ups: { dev1: { vars: { 'ups.status': 'OL' } } } });
    peer.hang.add('LIST VAR dev1');
    await expect(openFor(peer, { ups: 'dev1' }).poll(ctx())).rejects.toMatchObject({ code: E.NUT_TIMEOUT });
  });

  it('an aborted poll drops the connection at once; the next poll reconnects', async () => {
    peer = await startNutPeer({ ups: { dev1: { vars: { 'ups.status': 'OL' } } } });
    peer.hang.add('LIST VAR dev1');
    const src = openFor(peer, { ups: 'dev1', timeoutMs: 10_000 });
    const ac = new AbortController();
    const t0 = Date.now();
    setTimeout(() => ac.abort(), 100);
    await expect(src.poll({ ...ctx(), signal: ac.signal })).rejects.toMatchObject({ code: E.NUT_ERROR, nutName: 'CONNECTION-CLOSED' });
    expect(Date.now() - t0).toBeLessThan(2_000);
    peer.hang.clear();
    expect((await src.poll(ctx()))[0]!.state).toBe('mains');
    expect(peer.sessions).toHaveLength(2);
  });

  it('probe builds a target from flags and prints subject, state and readings', async () => {
    const probe = nutSource.probe!;
    const t = probe.target('127.0.0.1', 3493, { ups: 'dev1', json: true });
    expect(t).toMatchObject({ kind: 'nut', host: '127.0.0.1', port: 3493, ups: 'dev1', tls: 'off' });
    expect(() => probe.target('h', 1, { tls: 'maybe' })).toThrow(/^--tls: /);
    peer = await startNutPeer({ ups: { dev1: { vars: { 'ups.status': 'OB LB', 'battery.charge': '9' } } } });
    const [r] = await openFor(peer, { ups: 'dev1' }).poll(ctx());
    expect(probe.json(r!)).toEqual({
      subject: 'nut1/output', state: 'battery', evidence: { 'ups.status': 'OB LB', 'battery.charge': '9' }, gauges: { battery_charge_percent: 9 },
    });
    expect(probe.text(r!)).toBe('nut1/output  battery  ups.status="OB LB" battery.charge="9"');
  });
});
