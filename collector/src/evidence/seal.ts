/**
 * The evidence block every statement manifest and scenario export carries:
 *
 *   "evidence": { "format": "dcprobe-evidence/1", "digest": "sha256:…", "issuedAt": "…",
 *                 "issuer": "…", "figures": {…}, "signature": { "alg": "Ed25519", "keyId": "sha256:…", "value": "…" } }
 *
 * `digest` is the SHA-256 of the canonical JSON (RFC 8785) of the file without
 * its `evidence` member: anyone can recompute it, so it shows the data was not
 * changed. `signature` is Ed25519 over the canonical JSON of the whole file
 * without `evidence.signature` (so it binds the digest, the issue time and the
 * stated figures): only the provider's key makes it, so it shows who issued
 * the file. A digest alone could be recomputed by whoever altered the file.
 */
import { createHash, verify, type KeyObject } from 'node:crypto';
import { DcprobeError, E } from '@dcprobe/shared';
import { canonicalJson } from './canonical.ts';
import { FIGURE_FIELDS, type Figures } from './figures.ts';
import { keyIdOf, type Signer } from './keys.ts';

export const EVIDENCE_FORMAT = 'dcprobe-evidence/1';

export interface EvidenceSignature { alg: 'Ed25519'; keyId: string; value: string }

export interface Evidence {
  format: typeof EVIDENCE_FORMAT;
  digest: string;
  issuedAt: string;
  issuer?: string;
  /** The figures the provider computed from this file's data (statements, scenario exports). */
  figures?: Figures;
  signature?: EvidenceSignature;
}

export type JsonObject = Record<string, unknown>;

export function digestOf(document: JsonObject): string {
  return `sha256:${createHash('sha256').update(canonicalJson(document)).digest('hex')}`;
}

function signedBytes(document: JsonObject, evidence: Evidence): Buffer {
  const { signature: _omit, ...unsigned } = evidence;
  return Buffer.from(canonicalJson({ ...document, evidence: unsigned }));
}

export interface SealOptions { issuedAt: string; issuer?: string; figures?: Figures; signer?: Signer }

/** The document with its evidence block added (signed when a signer is given). */
export function seal(document: JsonObject, o: SealOptions): JsonObject & { evidence: Evidence } {
  if ('evidence' in document) throw new DcprobeError(E.EVIDENCE_INVALID, 'evidence: the document is already sealed');
  const evidence: Evidence = { format: EVIDENCE_FORMAT, digest: digestOf(document), issuedAt: o.issuedAt };
  if (o.issuer !== undefined) evidence.issuer = o.issuer;
  if (o.figures !== undefined) evidence.figures = o.figures;
  if (o.signer) {
    evidence.signature = { alg: 'Ed25519', keyId: o.signer.keyId, value: o.signer.sign(signedBytes(document, evidence)).toString('base64') };
  }
  return { ...document, evidence };
}

/** Splits a parsed file into its document and its evidence (undefined when it has none). */
export function unseal(file: unknown): { document: JsonObject; evidence: Evidence | undefined } {
  if (!isObject(file)) throw invalid('document', 'expected a JSON object');
  const { evidence, ...document } = file;
  if (evidence === undefined) return { document, evidence: undefined };
  return { document, evidence: parseEvidence(evidence) };
}

export type DigestCheck = 'ok' | 'mismatch';
/** `not_checked`: signed, but no public key was given to check it with. */
export type SignatureCheck = 'ok' | 'invalid' | 'unknown_key' | 'unsigned' | 'not_checked';

export interface SealCheck { digest: DigestCheck; signature: SignatureCheck; keyId: string | null }

/** Checks a document against its evidence with the provider's published public keys. */
export function checkSeal(document: JsonObject, evidence: Evidence, publicKeys?: readonly KeyObject[]): SealCheck {
  const digest: DigestCheck = digestOf(document) === evidence.digest ? 'ok' : 'mismatch';
  const sig = evidence.signature;
  if (!sig) return { digest, signature: 'unsigned', keyId: null };
  if (!publicKeys) return { digest, signature: 'not_checked', keyId: sig.keyId };
  const key = publicKeys.find((k) => keyIdOf(k) === sig.keyId);
  if (!key) return { digest, signature: 'unknown_key', keyId: sig.keyId };
  const ok = verify(null, signedBytes(document, evidence), key, Buffer.from(sig.value, 'base64'));
  return { digest, signature: ok ? 'ok' : 'invalid', keyId: sig.keyId };
}

// ---- parsing an evidence block from a file ----------------------------------------

const DIGEST_RE = /^sha256:[0-9a-f]{64}$/;
const BASE64_RE = /^[A-Za-z0-9+/]+={0,2}$/;

function parseEvidence(v: unknown): Evidence {
  if (!isObject(v)) throw invalid('evidence', 'expected an object');
  for (const k of Object.keys(v)) {
    if (!['format', 'digest', 'issuedAt', 'issuer', 'figures', 'signature'].includes(k)) throw invalid(`evidence.${k}`, 'unknown field');
  }
  if (v.format !== EVIDENCE_FORMAT) throw invalid('evidence.format', `expected ${JSON.stringify(EVIDENCE_FORMAT)}`);
  if (typeof v.digest !== 'string' || !DIGEST_RE.test(v.digest)) throw invalid('evidence.digest', 'expected sha256:<64 hex digits>');
  if (typeof v.issuedAt !== 'string') throw invalid('evidence.issuedAt', 'expected a time');
  const e: Evidence = { format: EVIDENCE_FORMAT, digest: v.digest, issuedAt: v.issuedAt };
  if (v.issuer !== undefined) {
    if (typeof v.issuer !== 'string') throw invalid('evidence.issuer', 'expected a string');
    e.issuer = v.issuer;
  }
  if (v.figures !== undefined) e.figures = parseFigures(v.figures);
  if (v.signature !== undefined) {
    const s = v.signature;
    if (!isObject(s) || s.alg !== 'Ed25519') throw invalid('evidence.signature.alg', 'expected "Ed25519"');
    if (typeof s.keyId !== 'string' || !DIGEST_RE.test(s.keyId)) throw invalid('evidence.signature.keyId', 'expected sha256:<64 hex digits>');
    if (typeof s.value !== 'string' || !BASE64_RE.test(s.value)) throw invalid('evidence.signature.value', 'expected base64');
    e.signature = { alg: 'Ed25519', keyId: s.keyId, value: s.value };
  }
  return e;
}

function parseFigures(v: unknown): Figures {
  if (!isObject(v) || typeof v.month !== 'string' || !isObject(v.customers)) throw invalid('evidence.figures', 'expected { month, customers }');
  for (const [id, services] of Object.entries(v.customers)) {
    if (!isObject(services)) throw invalid(`evidence.figures.customers.${id}`, 'expected an object');
    for (const [s, f] of Object.entries(services)) {
      const p = `evidence.figures.customers.${id}.${s}`;
      if ((s !== 'network' && s !== 'power') || !isObject(f)) throw invalid(p, 'expected network or power figures');
      for (const k of FIGURE_FIELDS) if (typeof f[k] !== 'number' && typeof f[k] !== 'boolean') throw invalid(`${p}.${k}`, 'expected a number or boolean');
    }
  }
  return v as unknown as Figures;
}

function isObject(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function invalid(field: string, why: string): DcprobeError {
  return new DcprobeError(E.EVIDENCE_INVALID, `${field}: ${why}`);
}
