import { describe, expect, it } from 'vitest';
import { parseStatus, powerStateOf } from '../../../agent/src/nut/status.ts';
import { nutErrorReading, nutReading, nutSubject, nutTargetSchema } from '../../../agent/src/sources/nut.ts';

describe('ups.status → power state', () => {
  it.each([
    ['OL', 'mains'],
    ['OL CHRG', 'mains'],
    ['OL TRIM', 'mains'],
    ['OL BOOST', 'mains'],
    ['OL CAL', 'mains'],
    ['OB', 'battery'],
    ['OB DISCHRG', 'battery'],
    ['OB LB', 'battery'],
    ['OB LB FSD', 'battery'],
    ['OL BYPASS', 'bypass'],
    ['BYPASS', 'bypass'],
    ['OB BYPASS', 'bypass'],
    ['OFF', 'off'],
    ['OB OFF', 'off'],
    ['OL OFF', 'off'],
    ['OFF BYPASS', 'off'],
    ['OL OB', 'battery'],
    ['  OL   CHRG  ', 'mains'],
    ['', 'unknown'],
    ['WAIT', 'unknown'],
    ['FSD', 'unknown'],
    ['LB', 'unknown'],
    ['garbage', 'unknown'],
    ['ol', 'unknown'],
    ['OLD', 'unknown'],
    ['XOB', 'unknown'],
  ])('%j → %s', (raw, state) => {
    expect(powerStateOf(parseStatus(raw).tokens)).toBe(state);
  });

  it('keeps tokens outside the vocabulary apart', () => {
    expect(parseStatus('OL NEWTHING CHRG')).toEqual({ tokens: new Set(['OL', 'CHRG']), unrecognised: ['NEWTHING'] });
  });
});

describe('nutReading', () => {
  it('keeps the raw readings as evidence and numeric ones as gauges', () => {
    const vars = new Map([
      ['ups.status', 'OB LB'], ['battery.charge', '12'], ['battery.runtime', '95'],
      ['input.voltage', '0.0'], ['output.voltage', '229.5'], ['ups.load', '23'], ['ups.mfr', 'APC'],
    ]);
    expect(nutReading('ups-a/output', vars)).toEqual({
      subject: 'ups-a/output', kind: 'power', state: 'battery',
      evidence: { 'ups.status': 'OB LB', 'battery.charge': '12', 'battery.runtime': '95', 'input.voltage': '0.0', 'output.voltage': '229.5', 'ups.load': '23' },
      gauges: { battery_charge_percent: 12, battery_runtime_seconds: 95, input_voltage_volts: 0, output_voltage_volts: 229.5, load_percent: 23 },
    });
  });

  it('is unknown without ups.status, and skips non-numeric gauges', () => {
    const r = nutReading('x/output', new Map([['battery.charge', 'n/a'], ['ups.load', '']]));
    expect(r.state).toBe('unknown');
    expect(r.gauges).toEqual({});
    expect(r.evidence).toEqual({ 'battery.charge': 'n/a', 'ups.load': '' });
  });

  it('records unrecognised tokens', () => {
    expect(nutReading('x/output', new Map([['ups.status', 'OL ECO']])).evidence.unrecognisedTokens).toEqual(['ECO']);
  });

  it.each(['DATA-STALE', 'DRIVER-NOT-CONNECTED', 'UNKNOWN-UPS'])('ERR %s → unknown with the error as evidence', (name) => {
    expect(nutErrorReading('x/output', name)).toEqual({ subject: 'x/output', kind: 'power', state: 'unknown', evidence: { error: name } });
  });
});

describe('nut subjects and target schema', () => {
  it.each([
    [{ name: 'ups-a', ups: 'dev1' }, 'dev1', 'ups-a/output'],
    [{ name: 'nut1', ups: ['dev1'] }, 'dev1', 'nut1/dev1/output'],
    [{ name: 'nut1', ups: 'all' }, 'dev2', 'nut1/dev2/output'],
  ] as const)('%j serving %s → %s', (t, ups, subject) => {
    expect(nutSubject(t as never, ups)).toBe(subject);
  });

  it('fills defaults', () => {
    expect(nutTargetSchema.parse({ kind: 'nut', name: 'n', host: '127.0.0.1' })).toEqual({
      kind: 'nut', name: 'n', host: '127.0.0.1', port: 3493, ups: 'all', tls: 'off', intervalSeconds: 10, timeoutMs: 3000,
    });
  });

  it.each([
    [{ username: 'mon' }, 'password', 'username and password go together'],
    [{ tls: 'on' }, 'tls', undefined],
    [{ ups: 'bad name' }, 'ups', undefined],
    [{ extra: 1 }, '', undefined],
  ])('rejects %j at %s', (extra, path, message) => {
    const r = nutTargetSchema.safeParse({ kind: 'nut', name: 'n', host: 'h', ...extra });
    expect(r.success).toBe(false);
    const issue = r.error!.issues[0]!;
    expect(issue.path.join('.')).toBe(path);
    if (message) expect(issue.message).toBe(message);
  });
});
