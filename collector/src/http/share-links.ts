/**
 * Signed, expiring links to one customer's report page: the query carries
 * `expires` (Unix seconds) and `sig`, an HMAC-SHA256 over the customer id and
 * the expiry with a key only the collector holds. Changing the customer, the
 * expiry or the signature, or using the link after it expired, is a 403.
 * The key lives in a file of its own (0600), made on first start; replacing
 * the file revokes every link issued before.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import { DcprobeError, E } from '@dcprobe/shared';

const KEY_BYTES = 32;

/** Reads the key file, or creates it (0600, exclusive) when missing. */
export function loadShareKey(file: string): Buffer {
  try {
    const k = Buffer.from(readFileSync(file, 'utf8').trim(), 'base64url');
    if (k.length < KEY_BYTES) throw new DcprobeError(E.CONFIG_INVALID, `${file}: share-link key shorter than ${KEY_BYTES} bytes`);
    return k;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
  const k = randomBytes(KEY_BYTES);
  writeFileSync(file, `${k.toString('base64url')}\n`, { mode: 0o600, flag: 'wx' });
  chmodSync(file, 0o600);
  return k;
}

export class ShareLinks {
  constructor(private readonly key: Buffer) {}

  private sig(customer: string, expires: number): Buffer {
    return createHmac('sha256', this.key).update(`dcprobe-share-v1\n${customer}\n${expires}`).digest();
  }

  /** The query string (without `?`) that opens `customer`'s page until `expiresAt` (ms). */
  query(customer: string, expiresAt: number): string {
    const expires = Math.floor(expiresAt / 1000);
    return `expires=${expires}&sig=${this.sig(customer, expires).toString('base64url')}`;
  }

  present(url: URL): boolean { return url.searchParams.has('sig') || url.searchParams.has('expires'); }

  verify(customer: string, url: URL, now: number): boolean {
    const e = url.searchParams.get('expires') ?? '';
    const given = Buffer.from(url.searchParams.get('sig') ?? '', 'base64url');
    if (!/^\d{1,12}$/.test(e)) return false;
    const want = this.sig(customer, Number(e));
    return given.length === want.length && timingSafeEqual(given, want) && Number(e) * 1000 > now;
  }
}
