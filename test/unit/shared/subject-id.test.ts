/**
 * Interface names as devices send them → subject ids the protocol always
 * takes, and back: one encoding, reversible unless a name is cut to fit.
 */
import { describe, expect, it } from 'vitest';
import { SUBJECT_ID_MAX, decodeName, displayName, encodeName, isSubjectId, nameOctets, portSubjectId } from '@dcprobe/shared';

const bytes = (...b: number[]) => Buffer.from(b);

describe('interface name → subject id', () => {
  it.each<[string, Uint8Array | string, string]>([
    ['a plain name is kept, slashes included', 'ge-0/0/1', 'sw1/ge-0/0/1'],
    ['spaces', 'MS TCP Loopback interface', 'sw1/MS%20TCP%20Loopback%20interface'],
    ['quotes, backslashes, percent and tilde', 'a"b\\c%d~e\'f', "sw1/a%22b%5Cc%25d%7Ee'f"],
    ['non-ASCII letters are kept', 'Порт 1/Ü', 'sw1/Порт%201/Ü'],
    ['a non-breaking space and a tab are white space', 'a\u00a0b\tc', 'sw1/a%C2%A0b%09c'],
    ['trailing NULs (padding) and surrounding spaces go', bytes(0x20, 0x65, 0x74, 0x68, 0x30, 0, 0, 0), 'sw1/eth0'],
    ['a NUL inside is kept, encoded', bytes(0x61, 0, 0x62), 'sw1/a%00b'],
    ['octets that are not UTF-8 (Latin-1 é)', bytes(0x63, 0x61, 0x66, 0xe9), 'sw1/caf%E9'],
    ['a C1 control', 'x\u0085y', 'sw1/x%C2%85y'],
  ])('%s', (_why, name, id) => {
    expect(portSubjectId('sw1', name)).toBe(id);
    expect(isSubjectId(id)).toBe(true);
    expect(decodeName(id.slice('sw1/'.length))).toEqual(Buffer.from(nameOctets(typeof name === 'string' ? Buffer.from(name) : name)));
  });

  it('a 255-byte name is cut to fit, with a hash of the whole name, and says it was cut', () => {
    const long = Buffer.from(`${'Gi'.repeat(120)} port 15`); // 255 bytes with spaces
    const target = 't'.repeat(100);
    const id = portSubjectId(target, long);
    expect(id.length).toBeLessThanOrEqual(SUBJECT_ID_MAX);
    expect(isSubjectId(id)).toBe(true);
    expect(id).toMatch(/~[0-9a-f]{8}$/);
    expect(decodeName(id.slice(target.length + 1))).toBeNull();
    // Another long name sharing the first 99 characters gets another id.
    expect(portSubjectId(target, Buffer.from(`${'Gi'.repeat(120)} port 16`))).not.toBe(id);
  });

  it('never cuts inside a %XX', () => {
    const id = encodeName(' x'.repeat(100).trim(), 50);
    expect(id).toMatch(/^(x%20)*x?~[0-9a-f]{8}$/);
  });

  it('every octet string decodes back to itself (fuzz, no cuts)', () => {
    let seed = 7;
    const rnd = () => { seed = (seed * 1103515245 + 12345) % 2 ** 31; return seed; };
    for (let n = 0; n < 2000; n++) {
      const o = Buffer.from(Array.from({ length: rnd() % 40 }, () => (rnd() % 4 === 0 ? rnd() % 256 : 0x21 + (rnd() % 94))));
      const trimmed = nameOctets(o);
      const enc = encodeName(o, 10_000);
      expect(decodeName(enc)).toEqual(Buffer.from(trimmed));
      expect(enc === '' || /^[^\s]+$/.test(enc)).toBe(true);
    }
  });

  it('display names: UTF-8 when valid, Latin-1 otherwise', () => {
    expect(displayName(Buffer.from('Порт 1'))).toBe('Порт 1');
    expect(displayName(bytes(0x63, 0x61, 0x66, 0xe9))).toBe('café');
  });
});
