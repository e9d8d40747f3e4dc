/**
 * Interface names in subject ids: one encoding, reversible, that turns any
 * name a device gives a port into the `<name>` of `<target>/<name>` and always
 * yields a valid subject id (protocol.ts `isSubjectId`).
 *
 * The name is ifName (ifDescr when the device has no ifName), as octets,
 * with trailing NULs (padding some agents add) and surrounding ASCII white
 * space removed. Then, octet by octet:
 *
 * - a character that is valid UTF-8, printable and not white space is kept
 *   as it is, `/` and non-ASCII letters included (`ge-0/0/1`, `Порт1`);
 * - every other octet becomes `%XX` (two upper-case hex digits): white space
 *   (`MS TCP Loopback interface` → `MS%20TCP%20Loopback%20interface`),
 *   control characters, `%`, `"`, `\`, `~`, and octets that are not valid UTF-8.
 *
 * Decoding every `%XX` gives the name's octets back. A name whose encoding
 * does not fit in a subject id (SUBJECT_ID_MAX characters with the target's
 * name and the `/`) keeps as many leading characters as fit, cut at a whole
 * character or `%XX`, then `~` and the first 8 hex digits of the SHA-256 of
 * its octets: `~` appears in no other encoded name, so such an id reads as
 * "cut", and the whole name travels in the event's evidence (ifName).
 */
import { createHash } from 'node:crypto';
import { SUBJECT_ID_MAX } from './protocol.ts';

/** Marks a name cut to fit, before its hash. */
const CUT = '~';
const HASH_CHARS = 8;
/** ASCII that is kept: printable, not space, not one of % " \ ~. */
const KEEP_ASCII = new Uint8Array(128);
for (let b = 0x21; b < 0x7f; b++) KEEP_ASCII[b] = 1;
for (const c of '%"\\~') KEEP_ASCII[c.charCodeAt(0)] = 0;

const hex = (b: number): string => `%${b.toString(16).toUpperCase().padStart(2, '0')}`;

/** Length of the valid UTF-8 sequence at `i`, or 0 (RFC 3629: no overlongs, no surrogates, ≤ U+10FFFF). */
function utf8At(o: Uint8Array, i: number): number {
  const b = o[i]!;
  const cont = (k: number, lo = 0x80, hi = 0xbf): boolean => i + k < o.length && o[i + k]! >= lo && o[i + k]! <= hi;
  if (b >= 0xc2 && b <= 0xdf) return cont(1) ? 2 : 0;
  if (b === 0xe0) return cont(1, 0xa0) && cont(2) ? 3 : 0;
  if (b === 0xed) return cont(1, 0x80, 0x9f) && cont(2) ? 3 : 0;
  if (b >= 0xe1 && b <= 0xef) return cont(1) && cont(2) ? 3 : 0;
  if (b === 0xf0) return cont(1, 0x90) && cont(2) && cont(3) ? 4 : 0;
  if (b >= 0xf1 && b <= 0xf3) return cont(1) && cont(2) && cont(3) ? 4 : 0;
  if (b === 0xf4) return cont(1, 0x80, 0x8f) && cont(2) && cont(3) ? 4 : 0;
  return 0;
}

/** A non-ASCII character kept as it is: not white space (as a subject id counts it), not a C1 control. */
function keepChar(ch: string): boolean {
  const cp = ch.codePointAt(0)!;
  return !(cp >= 0x80 && cp <= 0x9f) && !/\s/u.test(ch);
}

/** The name's octets: trailing NULs and surrounding ASCII white space removed. */
export function nameOctets(raw: Uint8Array | string): Uint8Array {
  const o = typeof raw === 'string' ? Buffer.from(raw, 'utf8') : raw;
  let start = 0, end = o.length;
  while (end > start && (o[end - 1] === 0 || o[end - 1] === 0x20 || (o[end - 1]! >= 0x09 && o[end - 1]! <= 0x0d))) end--;
  while (start < end && (o[start] === 0x20 || (o[start]! >= 0x09 && o[start]! <= 0x0d))) start++;
  return o.subarray(start, end);
}

/** Encoded pieces of a name: each one character kept, or one `%XX`. */
function pieces(o: Uint8Array): string[] {
  const out: string[] = [];
  for (let i = 0; i < o.length;) {
    const b = o[i]!;
    if (b < 0x80) { out.push(KEEP_ASCII[b] ? String.fromCharCode(b) : hex(b)); i++; continue; }
    const n = utf8At(o, i);
    const ch = n ? Buffer.from(o.subarray(i, i + n)).toString('utf8') : '';
    if (n && keepChar(ch)) { out.push(ch); i += n; continue; }
    for (let k = 0; k < (n || 1); k++) out.push(hex(o[i + k]!));
    i += n || 1;
  }
  return out;
}

/** The encoded name, at most `room` characters (cut and hashed past that); '' for an empty name. */
export function encodeName(raw: Uint8Array | string, room = SUBJECT_ID_MAX): string {
  const o = nameOctets(raw);
  const p = pieces(o);
  const whole = p.join('');
  if (whole.length <= room) return whole;
  const hash = createHash('sha256').update(o).digest('hex').slice(0, HASH_CHARS);
  let keep = '';
  for (const piece of p) {
    if (keep.length + piece.length > room - CUT.length - HASH_CHARS) break;
    keep += piece;
  }
  return `${keep}${CUT}${hash}`;
}

/**
 * A port's subject id: `<target>/<encoded name>`, within SUBJECT_ID_MAX.
 * `target` is a target name (letters, digits, `.`, `_`, `-`, at most 100).
 */
export function portSubjectId(target: string, name: Uint8Array | string): string {
  return `${target}/${encodeName(name, SUBJECT_ID_MAX - target.length - 1)}`;
}

/** The octets of an encoded name, or null when it was cut to fit (its whole name is in the evidence). */
export function decodeName(encoded: string): Buffer | null {
  if (encoded.includes(CUT)) return null;
  const out: number[] = [];
  for (let i = 0; i < encoded.length;) {
    if (encoded[i] === '%' && /^[0-9A-F]{2}$/.test(encoded.slice(i + 1, i + 3))) {
      out.push(parseInt(encoded.slice(i + 1, i + 3), 16));
      i += 3;
      continue;
    }
    const cp = encoded.codePointAt(i)!;
    const ch = String.fromCodePoint(cp);
    out.push(...Buffer.from(ch, 'utf8'));
    i += ch.length;
  }
  return Buffer.from(out);
}

/** Octets as text for people: UTF-8 when they are valid UTF-8, else Latin-1 (every octet a character). */
export function displayName(o: Uint8Array): string {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(o);
  } catch {
    return Buffer.from(o).toString('latin1');
  }
}
