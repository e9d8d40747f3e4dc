/**
 * The evidence block: a digest anyone can recompute and an Ed25519 signature
 * only the provider's key makes. Each way of altering a sealed file is caught
 * by the check that is meant to catch it, and reformatting the file is not
 * mistaken for an alteration.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { isCoded } from '@dcprobe/shared';
import { figuresOf } from '../../../../collector/src/evidence/figures.ts';
import { newSigningKey, publicKeyFromPem, signerFromPem } from '../../../../collector/src/evidence/keys.ts';
import { checkSeal, seal, unseal, type JsonObject } from '../../../../collector/src/evidence/seal.ts';
import { reconcile } from '../../../../collector/src/sla/reconcile.ts';
import { parseScenario } from '../../../../collector/src/sla/scenario.ts';

const scenario = JSON.parse(readFileSync(new URL('../../../fixtures/sla-examples/01-confirmed.json', import.meta.url), 'utf8')) as JsonObject;
const provider = newSigningKey();
const providerKey = publicKeyFromPem(provider.publicPem);
const issued = seal(scenario, {
  issuedAt: '2026-12-01T00:00:00+08:00', issuer: 'Example IDC', signer: signerFromPem(provider.privatePem),
  figures: figuresOf(reconcile(parseScenario(scenario))),
});
/** What the customer's copy looks like after it went through a file: pretty-printed, parsed again. */
const reread = (x: unknown): unknown => JSON.parse(JSON.stringify(x, null, 2));
const check = (file: unknown, keys = [providerKey]) => {
  const { document, evidence } = unseal(file);
  return checkSeal(document, evidence!, keys);
};

describe('sealed documents', () => {
  it('verifies as issued, whatever the whitespace and key order of the copy', () => {
    expect(check(reread(issued))).toEqual({ digest: 'ok', signature: 'ok', keyId: provider.keyId });
    const { evidence, ...rest } = reread(issued) as JsonObject;
    const reordered = Object.fromEntries(Object.entries(rest).reverse());
    expect(check({ evidence, ...reordered })).toEqual({ digest: 'ok', signature: 'ok', keyId: provider.keyId });
  });

  it('unseal gives back the document that reconciles like the original', () => {
    const { document } = unseal(reread(issued));
    expect(reconcile(parseScenario(document))).toEqual(reconcile(parseScenario(scenario)));
  });

  it('catches a changed observation: digest and signature both fail', () => {
    const f = reread(issued) as any;
    f.observations[4].at = '2026-11-03T10:40:00+08:00';
    expect(check(f)).toEqual({ digest: 'mismatch', signature: 'invalid', keyId: provider.keyId });
  });

  it('catches a changed figure in the evidence: the digest still matches, the signature does not', () => {
    const f = reread(issued) as any;
    f.evidence.figures.customers['cust-a'].network.countableSeconds = 0;
    expect(check(f)).toEqual({ digest: 'ok', signature: 'invalid', keyId: provider.keyId });
  });

  it('catches a file altered and sealed again with another key', () => {
    const other = newSigningKey();
    const { document } = unseal(reread(issued));
    (document.reports as any[])[0].noticeAt = '2026-11-03T10:50:00+08:00';
    const forged = seal(document, { issuedAt: '2026-12-01T00:00:00+08:00', signer: signerFromPem(other.privatePem) });
    expect(check(reread(forged))).toEqual({ digest: 'ok', signature: 'unknown_key', keyId: other.keyId });
  });

  it('says so when the signature is removed or no key is given to check it', () => {
    const f = reread(issued) as any;
    delete f.evidence.signature;
    expect(check(f)).toEqual({ digest: 'ok', signature: 'unsigned', keyId: null });
    const { document, evidence } = unseal(reread(issued));
    expect(checkSeal(document, evidence!)).toEqual({ digest: 'ok', signature: 'not_checked', keyId: provider.keyId });
  });

  it('a document without evidence unseals to itself', () => {
    expect(unseal(scenario)).toEqual({ document: scenario, evidence: undefined });
  });

  it('refuses to seal twice', () => {
    expect(() => seal(issued, { issuedAt: 'x' })).toThrow(/already sealed/);
  });

  it.each([
    ['format', (e: any) => { e.format = 'other/1'; }, 'evidence.format: expected "dcprobe-evidence/1"'],
    ['digest', (e: any) => { e.digest = 'md5:00'; }, 'evidence.digest: expected sha256:<64 hex digits>'],
    ['unknown field', (e: any) => { e.note = 'x'; }, 'evidence.note: unknown field'],
    ['signature alg', (e: any) => { e.signature.alg = 'RS256'; }, 'evidence.signature.alg: expected "Ed25519"'],
    ['figures', (e: any) => { e.figures.customers['cust-a'].network.breached = 'no'; }, 'evidence.figures.customers.cust-a.network.breached: expected a number or boolean'],
  ])('names the field of a malformed evidence block: %s', (_n, spoil, message) => {
    const f = reread(issued) as any;
    spoil(f.evidence);
    let err: unknown;
    try { unseal(f); } catch (e) { err = e; }
    expect(isCoded(err, 'DCP_EVIDENCE_INVALID')).toBe(true);
    expect((err as Error).message).toBe(message);
  });

  it('takes only Ed25519 keys and never echoes key material', () => {
    expect(() => signerFromPem('-----BEGIN PRIVATE KEY-----\nnot a key\n-----END PRIVATE KEY-----')).toThrow('signing key: not a PEM private key');
    expect(() => publicKeyFromPem(provider.privatePem.replace('PRIVATE', 'PUBLIC'))).toThrow(/^public key: /);
  });
});
