/**
 * The provider's Ed25519 signing key. The private key signs evidence blocks;
 * the public key is published (contract annex, API) so a customer can check a
 * signature without trusting anything inside the file. A key is named by its
 * id, the SHA-256 of its public key (SPKI DER), which the evidence carries.
 * Error messages never include key material.
 */
import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { DcprobeError, E } from '@dcprobe/shared';

export interface Signer {
  keyId: string;
  sign(bytes: Uint8Array): Buffer;
}

export function keyIdOf(publicKey: KeyObject): string {
  const der = publicKey.export({ type: 'spki', format: 'der' });
  return `sha256:${createHash('sha256').update(der).digest('hex')}`;
}

export function signerFromPem(privatePem: string): Signer {
  let key: KeyObject;
  try {
    key = createPrivateKey(privatePem);
  } catch {
    throw new DcprobeError(E.EVIDENCE_INVALID, 'signing key: not a PEM private key');
  }
  if (key.asymmetricKeyType !== 'ed25519') throw new DcprobeError(E.EVIDENCE_INVALID, 'signing key: expected an Ed25519 key');
  const keyId = keyIdOf(createPublicKey(key));
  return { keyId, sign: (bytes) => sign(null, bytes, key) };
}

export function publicKeyFromPem(pem: string): KeyObject {
  let key: KeyObject;
  try {
    key = createPublicKey(pem);
  } catch {
    throw new DcprobeError(E.EVIDENCE_INVALID, 'public key: not a PEM public key');
  }
  if (key.asymmetricKeyType !== 'ed25519') throw new DcprobeError(E.EVIDENCE_INVALID, 'public key: expected an Ed25519 key');
  return key;
}

/** A fresh key pair, for `dcprobe-collector` to write out once (private 0600, public to publish). */
export function newSigningKey(): { privatePem: string; publicPem: string; keyId: string } {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  return {
    privatePem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    publicPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    keyId: keyIdOf(publicKey),
  };
}
