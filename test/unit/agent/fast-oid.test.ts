import { describe, expect, it } from 'vitest';
import asn1 from 'asn1-ber';
import { fastOids } from '../../../agent/src/snmp/fast-oid.ts';

const { Reader, Writer } = (asn1 as { Ber: { Reader: new (b: Buffer) => { readOID(): string | null; readSequence(): unknown }; Writer: new () => { writeOID(o: string): void; startSequence(): void; endSequence(): void; writeInt(n: number): void; buffer: Buffer } } }).Ber;

describe('the faster OID reader', () => {
  it('is installed, having decoded its check OIDs exactly as asn1-ber does', () => {
    expect(fastOids()).toBe(true);
  });

  it('reads back every OID written, in a message with other values between them (random, 5,000)', () => {
    fastOids();
    let seed = 11;
    const rnd = (n: number) => { seed = (seed * 1103515245 + 12345) % 2 ** 31; return seed % n; };
    const oids = Array.from({ length: 5000 }, () => {
      const arcs = [rnd(2), rnd(40)];
      for (let k = rnd(14); k >= 0; k--) arcs.push(rnd(4) === 0 ? rnd(2 ** 31) * 2 : rnd(300));
      return arcs.join('.');
    });
    const w = new Writer();
    w.startSequence();
    for (const o of oids) { w.writeOID(o); w.writeInt(7); }
    w.endSequence();
    const r = new Reader(w.buffer);
    r.readSequence();
    const back = oids.map(() => { const o = r.readOID(); (r as unknown as { readInt(): number }).readInt(); return o; });
    expect(back).toEqual(oids);
  });

  it('leaves what is not an OID to the original: it throws on another tag', () => {
    fastOids();
    const w = new Writer();
    w.writeInt(5);
    expect(() => new Reader(w.buffer).readOID()).toThrow(/Expected 0x6/);
  });
});
