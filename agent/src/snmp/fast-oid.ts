/**
 * Faster OID decoding for net-snmp. Its BER reader (asn1-ber) decodes each
 * OID through a Buffer slice, an array of arcs, shifts and a join: at 100,000
 * ports every ten seconds that was 40 % of everything the agent allocated
 * (and a good part of its garbage collection). This reader writes the digits
 * into one scratch buffer and makes one string: the same string, byte for
 * byte, for every OID.
 *
 * It replaces Reader.prototype.readOID of the asn1-ber that net-snmp loads,
 * once, and only after checking that it decodes a set of OIDs exactly as the
 * original does; anything unusual (a wrong tag, a truncated or empty value)
 * goes to the original, which throws or answers as it always has.
 */
import asn1 from 'asn1-ber';

interface ReaderLike {
  _buf: Buffer;
  _size: number;
  _offset: number;
  length: number;
  readLength(offset: number): number | null;
}
type ReadOid = (this: ReaderLike, tag?: number) => string | null;

const OID_TAG = 0x06;
const scratch = Buffer.alloc(4096);

/** Writes `v` (a whole number ≥ 0) in decimal at `at`; the position after it. */
function digits(v: number, at: number): number {
  let n = 1;
  for (let x = v; x >= 10; x = Math.floor(x / 10)) n++;
  for (let k = at + n - 1; k >= at; k--) { scratch[k] = 48 + (v % 10); v = Math.floor(v / 10); }
  return at + n;
}

function fastReader(original: ReadOid): ReadOid {
  return function readOID(this: ReaderLike, tag?: number): string | null {
    const t = tag || OID_TAG;
    const start = this._offset;
    const buf = this._buf;
    if (start >= this._size || buf[start] !== t) return original.call(this, tag);
    const o = this.readLength(start + 1);
    const len = this.length;
    // Room for the worst case: every byte an arc of up to 3 digits and its dot.
    if (o === null || len === 0 || len > this._size - o || 4 * len + 24 > scratch.length) return original.call(this, tag);
    let at = 0;
    let value = 0;
    let first = true;
    for (let i = o; i < o + len; i++) {
      const byte = buf[i]! & 0xff;
      // The original's arithmetic, to the bit (<<= is 32-bit).
      value <<= 7;
      value += byte & 0x7f;
      if ((byte & 0x80) === 0) {
        const v = value >>> 0;
        if (first) {
          at = digits((v / 40) >> 0, at);
          scratch[at++] = 46;
          at = digits(v % 40, at);
          first = false;
        } else {
          scratch[at++] = 46;
          at = digits(v, at);
        }
        value = 0;
      }
    }
    // No whole arc: the original's answer, whatever it is.
    if (first) return original.call(this, tag);
    this._offset = o + len;
    return scratch.toString('latin1', 0, at);
  };
}

let installed: boolean | undefined;

/** Installs the faster reader once; false when asn1-ber is not the one this was checked against. */
export function fastOids(): boolean {
  if (installed !== undefined) return installed;
  const proto = (asn1 as { Ber: { Reader: { prototype: { readOID: ReadOid } } } }).Ber.Reader.prototype;
  const original = proto.readOID;
  const fast = fastReader(original);
  installed = agrees(original, fast);
  if (installed) proto.readOID = fast;
  return installed;
}

/** Both readers on OIDs that exercise every branch: short and long arcs, large first arcs, a whole message of them. */
function agrees(original: ReadOid, fast: ReadOid): boolean {
  const { Reader, Writer } = (asn1 as { Ber: { Reader: new (b: Buffer) => ReaderLike; Writer: new () => { writeOID(o: string, t?: number): void; buffer: Buffer } } }).Ber;
  const oids = ['1.3.6.1.2.1.1.3.0', '1.3.6.1.2.1.2.2.1.8.49', '1.3.6.1.4.1.9.9.41.2.0.1', '2.999.1', '0.0', '1.3.6.1.2.1.31.1.1.1.18.65539',
    '1.3.6.1.4.1.2636.3.1.13.1.5.4294967295', '1.3.6.1.4.1.8072.3.2.10.127.128.16383.16384.2097151.2097152.268435455.268435456'];
  const w = new Writer();
  for (const o of oids) w.writeOID(o, OID_TAG);
  const a = new Reader(w.buffer), b = new Reader(w.buffer);
  for (let k = 0; k < oids.length; k++) {
    if (original.call(a) !== fast.call(b) || a._offset !== b._offset) return false;
  }
  return true;
}
