import { describe, expect, it } from 'vitest';
import { errName, listBlock, oneLine, quoteArg, splitWords, upsList, varList } from '../../../agent/src/nut/protocol.ts';
import type { Reader, Step } from '../../../agent/src/nut/protocol.ts';

// Recorded from Debian's upsd 2.8.0 + dummy-ups on this machine (python socket, raw bytes).
const RECORDED = [
  'BEGIN LIST UPS',
  'UPS dev1 "Rack A \\"main\\" UPS"',
  'END LIST UPS',
  'BEGIN LIST VAR dev1',
  'VAR dev1 battery.charge "100"',
  'VAR dev1 battery.runtime "1800"',
  'VAR dev1 device.mfr "Dummy quoted  maker"',
  'VAR dev1 input.voltage "230.0"',
  'VAR dev1 ups.status "OL CHRG"',
  'END LIST VAR dev1',
  'VAR dev1 ups.status "OL CHRG"',
  'ERR UNKNOWN-UPS',
  'ERR FEATURE-NOT-CONFIGURED',
  'OK',
];

function feed<T>(reader: Reader<T>, lines: string[]): { step: Step<T>; used: number } {
  for (let i = 0; i < lines.length; i++) {
    const step = reader(lines[i]!);
    if (step.done) return { step, used: i + 1 };
  }
  throw new Error('reader never finished');
}

describe('splitWords', () => {
  it.each([
    ['VAR su700 ups.status "OL"', ['VAR', 'su700', 'ups.status', 'OL']],
    ['VAR dev1 ups.status "OL CHRG"', ['VAR', 'dev1', 'ups.status', 'OL CHRG']],
    ['UPS dev1 "Rack A \\"main\\" UPS"', ['UPS', 'dev1', 'Rack A "main" UPS']],
    ['VAR u x "back\\\\slash"', ['VAR', 'u', 'x', 'back\\slash']],
    ['VAR u x ""', ['VAR', 'u', 'x', '']],
    ['RANGE su700 input.transfer.low "90" "100"', ['RANGE', 'su700', 'input.transfer.low', '90', '100']],
    ['ERR DATA-STALE', ['ERR', 'DATA-STALE']],
    ['  two   spaces ', ['two', 'spaces']],
  ])('%s', (line, words) => {
    expect(splitWords(line)).toEqual(words);
  });
});

describe('quoteArg', () => {
  it.each([
    ['ups1', 'ups1'],
    ['pass word', '"pass word"'],
    ['a"b', '"a\\"b"'],
    ['a\\b', '"a\\\\b"'],
    ['', '""'],
  ])('%j → %s', (arg, quoted) => {
    expect(quoteArg(arg)).toBe(quoted);
    expect(splitWords(`PASSWORD ${quoted}`)[1]).toBe(arg);
  });
});

describe('errName', () => {
  it.each([
    ['ERR DATA-STALE', 'DATA-STALE'],
    ['ERR DRIVER-NOT-CONNECTED', 'DRIVER-NOT-CONNECTED'],
    ['ERR ACCESS-DENIED extra words', 'ACCESS-DENIED'],
    ['ERR', 'UNKNOWN'],
    ['ERRATIC', null],
    ['OK', null],
  ])('%s', (line, name) => expect(errName(line)).toBe(name));
});

describe('listBlock', () => {
  it('reads LIST UPS with an escaped description', () => {
    const { step, used } = feed(listBlock('UPS'), RECORDED);
    expect(used).toBe(3);
    expect(step.done && 'value' in step && upsList(step.value)).toEqual(new Map([['dev1', 'Rack A "main" UPS']]));
  });

  it('reads LIST VAR and stops exactly at its own END line', () => {
    const { step, used } = feed(listBlock('VAR dev1'), RECORDED.slice(3));
    expect(used).toBe(7);
    const vars = step.done && 'value' in step ? varList('dev1', step.value) : null;
    expect(vars?.get('ups.status')).toBe('OL CHRG');
    expect(vars?.get('battery.charge')).toBe('100');
    expect(vars?.size).toBe(5);
  });

  it('turns an ERR in place of BEGIN into the NUT error name', () => {
    expect(feed(listBlock('VAR dev1'), ['ERR DATA-STALE']).step).toEqual({ done: true, nutError: 'DATA-STALE', line: 'ERR DATA-STALE' });
  });

  it('refuses a list that answers another query', () => {
    const { step } = feed(listBlock('VAR dev2'), RECORDED.slice(3));
    expect(step).toMatchObject({ done: true, nutError: 'UNEXPECTED-REPLY' });
  });

  it('does not end on the END line of a different list', () => {
    const r = listBlock('VAR a');
    expect(r('BEGIN LIST VAR a')).toEqual({ done: false });
    expect(r('END LIST VAR b')).toEqual({ done: false });
    expect(r('END LIST VAR a')).toEqual({ done: true, value: [['END', 'LIST', 'VAR', 'b']] });
  });

  it('ignores VAR lines of another UPS', () => {
    expect(varList('a', [['VAR', 'b', 'ups.status', 'OB']])).toEqual(new Map());
  });
});

describe('oneLine', () => {
  const getVar = oneLine((w) => (w[0] === 'VAR' && w[1] === 'dev1' && w[2] === 'ups.status' ? w[3] : undefined));
  it('accepts the matching VAR line', () => {
    expect(getVar(RECORDED[10]!)).toEqual({ done: true, value: 'OL CHRG' });
  });
  it('returns ERR names', () => {
    expect(getVar('ERR UNKNOWN-UPS')).toMatchObject({ nutError: 'UNKNOWN-UPS' });
  });
  it('flags anything else as unexpected', () => {
    expect(getVar('VAR dev1 battery.charge "100"')).toMatchObject({ nutError: 'UNEXPECTED-REPLY' });
  });
});
