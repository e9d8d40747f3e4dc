/**
 * `dcprobe-collector verify` on files written to disk, as a customer runs it:
 * a sealed scenario export and a statement manifest verify with the provider's
 * public key; each kind of alteration, a missing or foreign key, a missing
 * file and a path outside the statement's folder are named and exit 3; bad
 * usage exits 2. The evidence helpers give reconcile the document to
 * reconcile and compare its figures.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkFigures, openEvidence, verifyCommand } from '../../../../collector/src/cli/verify.ts';
import { main } from '../../../../collector/src/cli.ts';
import { newSigningKey, publicKeyFromPem, signerFromPem } from '../../../../collector/src/evidence/keys.ts';
import { reconcile } from '../../../../collector/src/sla/reconcile.ts';
import { parseScenario } from '../../../../collector/src/sla/scenario.ts';
import { fileOf, statementData, statementId, statementManifest } from '../../../../collector/src/statements/artefact.ts';

const scenario = JSON.parse(readFileSync(new URL('../../../fixtures/sla-examples/05-authorised-work.json', import.meta.url), 'utf8'));
const provider = newSigningKey(), stranger = newSigningKey();
const ISSUE = { issuedAt: Date.parse('2026-12-05T00:05:00+08:00'), timezone: 'Asia/Shanghai', issuer: 'Example IDC', signer: signerFromPem(provider.privatePem) };
let dir: string;
const path = (name: string) => join(dir, name);

async function verify(...args: string[]) {
  const out: string[] = [], err: string[] = [];
  const code = await verifyCommand(args, { out: (x) => out.push(x), err: (x) => err.push(x) });
  return { code, out, err };
}

/** Writes one statement (CSV, scenario export, manifest) into its own folder; returns the manifest path. */
async function writeStatement(folder: string, edit: (files: { csv: Buffer; scenario: Buffer }) => void = () => {}, listExtra?: { name: string; mediaType: string; bytes: Buffer; sha256: string }, issuedCsv?: string) {
  const id = statementId('cust-a', '2026-11', 0);
  const input = parseScenario(scenario);
  const data = statementData(id, input, ISSUE);
  if (issuedCsv !== undefined) data.csv = fileOf(data.csv.name, data.csv.mediaType, Buffer.from(issuedCsv));
  const files = [data.csv, data.scenario, ...(listExtra ? [listExtra] : [])];
  const m = statementManifest({ statementId: id, revision: 0, customer: 'cust-a', month: '2026-11', timezone: 'Asia/Shanghai', asOf: input.asOf, result: data.result, files }, ISSUE);
  const bytes = { csv: data.csv.bytes, scenario: data.scenario.bytes };
  edit(bytes);
  await rm(path(folder), { recursive: true, force: true });
  await mkdir(path(folder));
  await writeFile(join(dir, folder, data.csv.name), bytes.csv);
  await writeFile(join(dir, folder, data.scenario.name), bytes.scenario);
  await writeFile(join(dir, folder, m.file.name), m.file.bytes);
  if (listExtra && !listExtra.name.includes('/')) await writeFile(join(dir, folder, listExtra.name), listExtra.bytes);
  return { manifest: join(dir, folder, m.file.name), scenario: join(dir, folder, data.scenario.name) };
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'dcp-verify-'));
  await writeFile(path('provider.pem'), provider.publicPem);
  await writeFile(path('stranger.pem'), stranger.publicPem);
});
afterAll(async () => { await rm(dir, { recursive: true, force: true }); });

describe('dcprobe-collector verify', () => {
  it('verifies a statement: manifest, files, scenario export, recomputed figures and CSV', async () => {
    const { manifest } = await writeStatement('ok');
    const r = await verify(manifest, '--public-key', path('provider.pem'));
    expect(r.code).toBe(0);
    expect(r.out).toEqual([
      `ST-cust-a-2026-11-r0.manifest.json: digest ok`,
      `ST-cust-a-2026-11-r0.manifest.json: signature ok (key ${provider.keyId})`,
      'ST-cust-a-2026-11-r0.csv: sha256 ok',
      'ST-cust-a-2026-11-r0.scenario.json: sha256 ok',
      'ST-cust-a-2026-11-r0.scenario.json: digest ok',
      `ST-cust-a-2026-11-r0.scenario.json: signature ok (key ${provider.keyId})`,
      'ST-cust-a-2026-11-r0.scenario.json: figures recomputed: match',
      'ST-cust-a-2026-11-r0.manifest.json: figures recomputed: match',
      'ST-cust-a-2026-11-r0.manifest.json: csv recomputed: match',
      'verified',
    ]);
  });

  it('verifies a scenario export on its own, and checks the signature only with a key given', async () => {
    const { scenario: file } = await writeStatement('alone');
    expect((await verify(file, '--public-key', path('stranger.pem'), '--public-key', path('provider.pem'))).code).toBe(0);
    const nokey = await verify(file);
    expect(nokey.code).toBe(3);
    expect(nokey.out).toContain(`ST-cust-a-2026-11-r0.scenario.json: signature not checked: give the provider's public key with --public-key (key ${provider.keyId})`);
    const wrong = await verify(file, '--public-key', path('stranger.pem'));
    expect([wrong.code, wrong.out[1]]).toEqual([3, `ST-cust-a-2026-11-r0.scenario.json: signature by an unknown key ${provider.keyId}`]);
  });

  it('names what an altered scenario export breaks: digest, signature and the minutes', async () => {
    const { scenario: file } = await writeStatement('altered', (f) => {
      const s = JSON.parse(f.scenario.toString());
      s.exclusions = [];
      f.scenario = Buffer.from(JSON.stringify(s, null, 2));
    });
    const r = await verify(file, '--public-key', path('provider.pem'));
    expect(r.code).toBe(3);
    expect(r.out).toEqual([
      'ST-cust-a-2026-11-r0.scenario.json: digest MISMATCH (changed after it was issued)',
      `ST-cust-a-2026-11-r0.scenario.json: signature INVALID (key ${provider.keyId})`,
      'ST-cust-a-2026-11-r0.scenario.json: cust-a network countableSeconds: issued 1500, recomputed 3300',
      'ST-cust-a-2026-11-r0.scenario.json: cust-a network excludedSeconds: issued 1800, recomputed 0',
      'ST-cust-a-2026-11-r0.scenario.json: cust-a network disputedSeconds: issued 1800, recomputed 0',
      'ST-cust-a-2026-11-r0.scenario.json: cust-a network breached: issued false, recomputed true',
      'ST-cust-a-2026-11-r0.scenario.json: cust-a network feeWaived: issued false, recomputed true',
      'NOT VERIFIED',
    ]);
  });

  it('catches stated figures changed to match altered data, even with the digest recomputed', async () => {
    const { scenario: file } = await writeStatement('forged', (f) => {
      const s = JSON.parse(f.scenario.toString());
      s.evidence.figures.customers['cust-a'].network.countableSeconds = 0;
      f.scenario = Buffer.from(JSON.stringify(s));
    });
    const r = await verify(file, '--public-key', path('provider.pem'));
    expect(r.out.slice(0, 3)).toEqual([
      'ST-cust-a-2026-11-r0.scenario.json: digest ok',
      `ST-cust-a-2026-11-r0.scenario.json: signature INVALID (key ${provider.keyId})`,
      'ST-cust-a-2026-11-r0.scenario.json: cust-a network countableSeconds: issued 0, recomputed 1500',
    ]);
    expect(r.code).toBe(3);
  });

  it('names a listed file whose bytes are not those issued', async () => {
    const pdf = fileOf('ST-cust-a-2026-11-r0.pdf', 'application/pdf', Buffer.from('%PDF-1.4 issued'));
    const { manifest } = await writeStatement('pdf', () => {}, pdf);
    expect((await verify(manifest, '--public-key', path('provider.pem'))).code).toBe(0);
    await writeFile(join(dir, 'pdf', pdf.name), '%PDF-1.4 altered');
    const r = await verify(manifest, '--public-key', path('provider.pem'));
    expect([r.code, r.out.filter((l) => /MISMATCH|DIFFERS|INVALID/.test(l))]).toEqual([3, ['ST-cust-a-2026-11-r0.pdf: sha256 MISMATCH']]);
  });

  it('catches a CSV issued with figures its own scenario export does not give', async () => {
    const { manifest } = await writeStatement('inconsistent', () => {}, undefined, 'row_type,customer\r\nservice,cust-a\r\n');
    const r = await verify(manifest, '--public-key', path('provider.pem'));
    expect(r.out).toContain('ST-cust-a-2026-11-r0.csv: sha256 ok');
    expect([r.code, r.out.at(-2)]).toEqual([3, 'ST-cust-a-2026-11-r0.manifest.json: csv recomputed: DIFFERS']);
  });

  it('refuses a manifest whose files are missing or outside its folder', async () => {
    const extra = { name: '../provider.pem', mediaType: 'text/plain', bytes: Buffer.from('x'), sha256: '00' };
    const { manifest } = await writeStatement('escape', () => {}, extra);
    const r = await verify(manifest, '--public-key', path('provider.pem'));
    expect(r.code).toBe(3);
    expect(r.out).toContain('ST-cust-a-2026-11-r0.manifest.json: a listed file name is not a plain name');
    const { manifest: m2 } = await writeStatement('missing');
    await rm(join(dir, 'missing', 'ST-cust-a-2026-11-r0.csv'));
    const r2 = await verify(m2, '--public-key', path('provider.pem'));
    expect([r2.code, r2.out]).toEqual([3, expect.arrayContaining(['ST-cust-a-2026-11-r0.csv: MISSING'])]);
  });

  it.each([
    [[], 'verify: give one file'],
    [['a.json', 'b.json'], 'verify: give one file'],
    [['--public-key'], 'verify: --public-key: a file is required'],
    [['x.json', '--key', 'k'], 'verify: unknown flag "--key"'],
    [['/nonexistent/x.json'], 'verify: cannot read /nonexistent/x.json: ENOENT'],
  ])('exits 2 on bad usage: %j', async (args, message) => {
    const r = await verify(...args);
    expect(r.code).toBe(2);
    expect(r.err[0]!.split('\n')[0]).toBe(message);
  });

  it('gives reconcile the document to reconcile and the stated figures to compare', async () => {
    const { scenario: file } = await writeStatement('reconcile');
    const json = JSON.parse(readFileSync(file, 'utf8'));
    const opened = openEvidence(json, { label: 'x.json', keys: [publicKeyFromPem(provider.publicPem)], required: true });
    expect(opened.ok).toBe(true);
    const result = reconcile(parseScenario(opened.document));
    expect(checkFigures('x.json', opened.evidence, result)).toEqual({ lines: ['x.json: figures recomputed: match'], ok: true });
    const otherMonth = reconcile(parseScenario(opened.document, { month: '2026-12' }));
    expect(checkFigures('x.json', opened.evidence, otherMonth).ok).toBe(false);
    expect(openEvidence(scenario, { label: 'plain.json', required: false })).toMatchObject({ ok: true, lines: ['plain.json: no evidence block'] });
    expect(openEvidence(scenario, { label: 'plain.json', required: true }).ok).toBe(false);
  });
});

describe('verify and reconcile --verify through the command table', () => {
  const run = async (...argv: string[]) => {
    const out: string[] = [], err: string[] = [];
    const code = await main(argv, { out: (x) => out.push(x), err: (x) => err.push(x) });
    return { code, out: out.join('\n'), err: err.join('\n') };
  };

  it('dcprobe-collector verify checks a statement, and exits 3 for a changed scenario export', async () => {
    const { manifest } = await writeStatement('cli-ok');
    expect(await run('verify', manifest, '--public-key', path('provider.pem'))).toMatchObject({ code: 0, out: expect.stringMatching(/verified$/) });
    const { manifest: bad } = await writeStatement('cli-bad', (f) => { f.scenario = Buffer.from(f.scenario.toString().replace('"reportedAt"', '"reportedAt" ')); });
    expect((await run('verify', bad)).code).toBe(3);
  });

  it('reconcile reads a scenario export (its evidence block set aside) and with --verify recomputes the figures it states', async () => {
    const { scenario: file } = await writeStatement('cli-reconcile');
    const plain = await run('reconcile', file);
    expect(plain.code).toBe(0);
    expect(JSON.parse(plain.out)).toEqual(reconcile(parseScenario(scenario)));
    const checked = await run('reconcile', file, '--verify', '--public-key', path('provider.pem'));
    expect(checked.code).toBe(0);
    expect(checked.err).toContain('figures recomputed: match');
    const stranger = await run('reconcile', file, '--verify', '--public-key', path('stranger.pem'));
    expect(stranger.code).toBe(3);
  });
});
