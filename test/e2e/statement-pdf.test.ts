/**
 * A month's statement issued for real: the report page with its statement
 * section printed to PDF by Debian's headless Chromium, checked with poppler
 * (pdfinfo, pdftotext) for its pages, the figures it must show, and hostile
 * customer text that must print as text; the files verify offline and arrive
 * intact by e-mail (Debian's aiosmtpd) and webhook; a revised statement names
 * the one it revises, the reason and what changed; the renderer runs no script
 * and fetches nothing; a render that overruns its time is killed with its
 * temp directory removed.
 */
import { readdir, readFile, writeFile, mkdir } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isCoded } from '@dcprobe/shared';
import { verifyCommand } from '../../collector/src/cli/verify.ts';
import { newSigningKey, signerFromPem } from '../../collector/src/evidence/keys.ts';
import type { CustomerConfig } from '../../collector/src/config.ts';
import { renderPage } from '../../collector/src/report/page.ts';
import { parseScenario } from '../../collector/src/sla/scenario.ts';
import type { ReconcileInput, ReconcileResult } from '../../collector/src/sla/types.ts';
import { issueStatement, type IssuedStatement } from '../../collector/src/statements/issue.ts';
import { statementEmail, statementPayload } from '../../collector/src/statements/message.ts';
import { renderPdf } from '../../collector/src/statements/render-pdf.ts';
import { emailSender } from '../../collector/src/delivery/email.ts';
import { newDelivery } from '../../collector/src/delivery/machine.ts';
import { runDelivery, type Sender } from '../../collector/src/delivery/run.ts';
import { newWebhookSecret } from '../../collector/src/delivery/signature.ts';
import type { Delivery } from '../../collector/src/delivery/types.ts';
import { webhookSender } from '../../collector/src/delivery/webhook.ts';
import { WebhookReceiver } from '../support/webhook-receiver.ts';
import { startSmtpd } from './fixtures/smtpd.ts';
import { run } from '../support/procs.ts';
import { tempDir } from '../support/temp.ts';
import { sleep } from '../support/wait.ts';

const TZ = 'Asia/Shanghai';
const NAME = 'Acme <b>&amp;</b> "Hosting" </section><h1>forged</h1>';
const WORDS = 'Port dead since 10:00 <script>document.body.innerHTML="PWNED"</script> <img src=x onerror=alert(1)>\nsecond line & Ünïcödé 中文';
const REASON = 'Exclusion X-1 withdrawn: the work was not authorised <i>after all</i>';
const P1 = 'sw1/ge-0/0/1', UPL = 'sw1/xe-0/1/0', FEED = 'ups-a/output';

function scenario(withExclusion: boolean) {
  return {
    month: '2026-11', asOf: '2026-12-01T00:00:00+08:00',
    customers: [{ id: 'cust-a', timezone: TZ, network: { ports: [P1], redundancy: 'any', uplinks: [UPL] }, power: { feeds: [FEED] } }],
    observations: [
      { subject: P1, state: 'up', at: '2026-10-31T00:00:00+08:00' }, { subject: UPL, state: 'up', at: '2026-10-31T00:00:00+08:00' },
      { subject: FEED, state: 'mains', at: '2026-10-31T00:00:00+08:00' },
      { subject: P1, state: 'down', at: '2026-11-03T10:00:00+08:00' }, { subject: P1, state: 'up', at: '2026-11-03T10:50:00+08:00' },
      { subject: P1, state: 'down', at: '2026-11-06T20:00:00+08:00' }, { subject: P1, state: 'up', at: '2026-11-06T21:00:00+08:00' },
      { subject: FEED, state: 'off', at: '2026-11-15T08:50:00+08:00' }, { subject: FEED, state: 'mains', at: '2026-11-15T09:00:00+08:00' },
    ],
    reports: [
      { id: 'T-1', customer: 'cust-a', service: 'network', reportedAt: '2026-11-03T10:05:00+08:00', noticeAt: '2026-11-03T10:55:00+08:00' },
      { id: 'T-2', customer: 'cust-a', service: 'network', reportedAt: '2026-11-06T20:10:00+08:00', noticeAt: '2026-11-06T21:05:00+08:00' },
      { id: 'P-1', customer: 'cust-a', service: 'power', reportedAt: '2026-11-15T08:52:00+08:00', noticeAt: '2026-11-15T09:03:00+08:00' },
    ],
    exclusions: withExclusion ? [{ id: 'X-1', customer: 'cust-a', service: 'network', start: '2026-11-06T20:00:00+08:00', end: '2026-11-06T20:40:00+08:00', category: 'customer_authorized', ref: 'AUTH-77' }] : [],
  };
}

const spec: CustomerConfig = {
  id: 'cust-a', name: NAME, timezone: TZ, network: { ports: [P1], redundancy: 'any', uplinks: [UPL] }, power: { feeds: [FEED] },
  terms: { reportDeadlineDays: 5, graceMinutes: 10, unverified: 'count' },
};
const ISSUED = Date.parse('2026-12-01T00:05:00+08:00');
const key = newSigningKey();
let dir: string;

function issue(input: ReconcileInput, revision: number, revises?: { statementId: string; manifestDigest: string; reason: string; result: ReconcileResult }) {
  return issueStatement({
    customer: 'cust-a', customerName: NAME, month: '2026-11', input, revision, revises,
    reportTexts: [{ id: 'T-1', text: WORDS }],
    page: (result) => renderPage({
      customer: 'cust-a', name: NAME, month: '2026-11', input, result, exclusionVersions: [], generatedAt: ISSUED,
      tenures: [{ start: 0, end: Infinity, version: { customer: 'cust-a', version: 1, validFrom: 0, spec, source: 'config', recordedAt: 0, recordedBy: 'config' } }],
    }),
    render: (html) => renderPdf(html, { tmpDir: dir, timeoutMs: 90_000 }),
  }, { issuedAt: ISSUED, timezone: TZ, issuer: 'Example IDC', signer: signerFromPem(key.privatePem) });
}

async function write(s: IssuedStatement, into: string): Promise<string> {
  await mkdir(into, { recursive: true });
  for (const f of s.files) await writeFile(join(into, f.name), f.bytes);
  return join(into, s.files[3]!.name);
}
const pdfText = async (s: IssuedStatement, into: string) => (await run('pdftotext', ['-layout', join(into, s.files[0]!.name), '-'])).stdout;
const verify = async (args: string[]) => {
  const out: string[] = [], err: string[] = [];
  const code = await verifyCommand(args, { out: (x) => out.push(x), err: (x) => err.push(x) });
  return { code, out, err };
};

describe('monthly statement as PDF', () => {
  let first: IssuedStatement, revised: IssuedStatement, text: string, pubKey: string;

  beforeAll(async () => {
    dir = tempDir('dcp-statement-').dir;
    pubKey = join(dir, 'provider.pem');
    await writeFile(pubKey, key.publicPem);
    first = await issue(parseScenario(scenario(true)), 0);
    await write(first, join(dir, 'r0'));
    text = await pdfText(first, join(dir, 'r0')); console.log(text); console.log((await run('pdfinfo', [join(dir, 'r0', first.files[0]!.name)])).stdout); console.log(JSON.stringify(first.result.customers[0]!.services.network!.reports));
  });
  afterAll(async () => { if (dir) await run('rm', ['-rf', dir]); });

  it('is a PDF of the expected pages, with the month\'s figures in it', async () => {
    expect(first.files.map((f) => f.name)).toEqual(['ST-cust-a-2026-11-r0.pdf', 'ST-cust-a-2026-11-r0.csv', 'ST-cust-a-2026-11-r0.scenario.json', 'ST-cust-a-2026-11-r0.manifest.json']);
    const info = (await run('pdfinfo', [join(dir, 'r0', first.files[0]!.name)])).stdout;
    // Statement section and tenures, then each service kept off a page break (report page print CSS): 5 A4 landscape pages.
    expect(info).toMatch(/^Pages:\s+5$/m);
    expect(info).toMatch(/^Page size:\s+841\.92 x 594\.96 pts \(A4\)/m); // landscape, from the page's @page rule
    const net = first.result.customers[0]!.services.network!, pow = first.result.customers[0]!.services.power!;
    expect([net.countableSeconds, net.breached, pow.countableSeconds, pow.breached]).toEqual([3000 + 1500, true, 660, true]);
    expect(text).toContain('Statement ST-cust-a-2026-11-r0');
    expect(text).toMatch(/Countable \(contract\)\s+1 h 15 min\s+4500 s/);
    expect(text).toMatch(/Allowed this month\s+43 min 12 s\s+2592 s/);
    expect(text).toMatch(/Countable \(contract\)\s+11 min\s+660 s/);
    expect(text).toContain('Target missed: the month\'s fee is waived.');
    expect(text).toContain(first.files[1]!.sha256.slice(0, 32));
    expect(text).toContain(key.keyId.slice(0, 30));
  });

  it('prints every hostile text the customer controls as text', () => {
    const flat = text.replace(/\s+/g, ' ');
    expect(flat).toContain('Acme <b>&amp;</b> "Hosting" </section><h1>forged</h1>');
    expect(flat).toContain('Port dead since 10:00 <script>document.body.innerHTML="PWNED"</script> <img src=x onerror=alert(1)>');
    expect(flat).toContain('second line & Ünïcödé 中文'); // printed with a CJK font, not as empty boxes
    expect(flat).not.toMatch(/(^|\s)PWNED(\s|$)/);
  });

  it('verifies offline: every file, the signature and the recomputed minutes', async () => {
    const r = await verify([join(dir, 'r0', first.files[3]!.name), '--public-key', pubKey]);
    expect([r.code, r.out.at(-1)]).toEqual([0, 'verified']);
    expect(r.out).toContain('ST-cust-a-2026-11-r0.manifest.json: figures recomputed: match');
    expect(r.out).toContain('ST-cust-a-2026-11-r0.manifest.json: csv recomputed: match');
    expect(r.out).toContain('ST-cust-a-2026-11-r0.pdf: sha256 ok');
  });

  it('is revised, not changed: the revision names the statement it revises, the reason and what changed', async () => {
    revised = await issue(parseScenario(scenario(false)), 1, { statementId: first.statementId, manifestDigest: first.manifestDigest, reason: REASON, result: first.result });
    await write(revised, join(dir, 'r1'));
    const manifest = JSON.parse(revised.files[3]!.bytes.toString('utf8'));
    expect(manifest.revises.statement).toBe('ST-cust-a-2026-11-r0');
    expect(manifest.revises.manifestDigest).toBe(first.manifestDigest);
    expect(manifest.revises.changes).toContainEqual({ path: 'customers.cust-a.network.countableSeconds', before: 4500, after: 6300 });
    const t = (await pdfText(revised, join(dir, 'r1'))).replace(/\s+/g, ' ');
    expect(t).toContain('Statement ST-cust-a-2026-11-r1 (revision 1)');
    expect(t).toContain('Revises ST-cust-a-2026-11-r0. Reason: Exclusion X-1 withdrawn: the work was not authorised <i>after all</i>');
    expect(t).toContain('customers.cust-a.network.countableSeconds 4500 6300');
    const old = await readFile(join(dir, 'r0', first.files[0]!.name));
    expect(old.equals(first.files[0]!.bytes)).toBe(true);
    expect((await verify([join(dir, 'r1', revised.files[3]!.name), '--public-key', pubKey])).code).toBe(0);
  });

  it('is delivered by e-mail and webhook, and what arrives is what the manifest lists', async () => {
    const deliver = <C>(channel: 'email' | 'webhook', target: string, content: C, sender: Sender<C>) => runDelivery(
      newDelivery({ id: `D-${first.statementId}-${channel}`, channel, customer: 'cust-a', item: { kind: 'statement', id: first.statementId }, target, createdAt: Date.now() }),
      content, sender, { now: Date.now, random: Math.random, save: () => {}, policy: { firstDelayMs: 50, maxDelayMs: 200, maxAttempts: 3, maxAgeMs: 60_000 }, sleepUntil: (t) => sleep(Math.max(0, t - Date.now())) });
    const listed = JSON.parse(first.files[3]!.bytes.toString('utf8')).files.map((f: { name: string; sha256: string }) => [f.name, f.sha256]);
    const mta = await startSmtpd();
    try {
      const sent: Delivery = await deliver('email', 'billing@acme.example', statementEmail(first, { customerName: NAME, month: '2026-11' }, [{ address: 'billing@acme.example' }]),
        emailSender({ host: '127.0.0.1', port: mta.port, secure: false, requireTls: false, timeoutMs: 10_000, from: { address: 'noc@provider.example' }, now: Date.now }));
      expect(sent.status).toBe('delivered');
      const [m] = await mta.waitFor(1);
      const got = m!.parsed.attachments.map((a) => [a.filename, a.sha256]);
      expect(got.slice(0, 3)).toEqual(listed);
      expect(got[3]).toEqual([first.files[3]!.name, first.files[3]!.sha256]);
      expect(m!.parsed.text).toContain('network: 75 min countable, 43.2 min allowed; fee waived.');
    } finally {
      await mta.stop();
    }
    const secret = newWebhookSecret();
    const receiver = await WebhookReceiver.start({ secret });
    try {
      const sent = await deliver('webhook', receiver.url, { body: JSON.stringify(statementPayload(first)) }, webhookSender({ url: receiver.url, secret, timeoutMs: 10_000, now: Date.now }));
      expect(sent.status).toBe('delivered');
      const body = JSON.parse(receiver.accepted.get(sent.id)!);
      expect(body.files.map((f: { name: string; contentBase64: string }) => [f.name, createHash('sha256').update(Buffer.from(f.contentBase64, 'base64')).digest('hex')])).toEqual(listed);
      expect(body.manifest.evidence.signature.keyId).toBe(key.keyId);
    } finally {
      await receiver.stop();
    }
  });

  it('does not verify once a file is altered', async () => {
    const csv = join(dir, 'r0', first.files[1]!.name);
    await writeFile(csv, (await readFile(csv, 'utf8')).replace(',4500,', ',0,'));
    const r = await verify([join(dir, 'r0', first.files[3]!.name), '--public-key', pubKey]);
    expect([r.code, r.out.at(-1)]).toEqual([3, 'NOT VERIFIED']);
    expect(r.out).toContain('ST-cust-a-2026-11-r0.csv: sha256 MISMATCH');
    expect(r.out).toContain('ST-cust-a-2026-11-r0.manifest.json: csv recomputed: DIFFERS');
  });

  it('kills a render that overruns its time and removes its temp directory', async () => {
    const parent = join(dir, 'overrun');
    await mkdir(parent);
    // A page Chromium needs minutes to print: only the kill can end the render in time.
    const rows = Array.from({ length: 40_000 }, (_, i) => `<tr><td>${i}</td><td>row ${i}</td></tr>`).join('');
    let err: unknown;
    const t0 = Date.now();
    try { await renderPdf(`<!doctype html><html><head><title>x</title></head><body><table>${rows}</table></body></html>`, { tmpDir: parent, timeoutMs: 500 }); } catch (e) { err = e; }
    expect(Date.now() - t0).toBeLessThan(15_000);
    expect(isCoded(err, 'DCP_RENDER_FAILED')).toBe(true);
    expect((err as Error).message).toBe('render: chromium did not finish within 500 ms');
    expect(await readdir(parent)).toEqual([]);
    const users: string[] = [];
    for (const pid of await readdir('/proc')) {
      if (!/^\d+$/.test(pid)) continue;
      const cmd = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
      if (cmd.includes(parent)) users.push(pid);
    }
    expect(users).toEqual([]);
  });

  it('runs no script and fetches nothing, whatever the page holds', async () => {
    const requests: string[] = [];
    const server = createServer((req, res) => { requests.push(req.url ?? ''); res.end('x'); });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const port = (server.address() as AddressInfo).port;
    try {
      const pdf = await renderPdf(`<!doctype html><html><head><title>x</title><link rel="stylesheet" href="http://127.0.0.1:${port}/style.css"></head>`
        + `<body><p id="x">static text</p><img src="http://127.0.0.1:${port}/pixel.png"><script>document.getElementById('x').textContent = 'SCRIPT RAN';</script></body></html>`, { tmpDir: dir });
      await writeFile(join(dir, 'csp.pdf'), pdf);
      const t = (await run('pdftotext', [join(dir, 'csp.pdf'), '-'])).stdout;
      expect(t).toContain('static text');
      expect(t).not.toContain('SCRIPT RAN');
      expect(requests).toEqual([]);
    } finally {
      await new Promise<void>((r) => server.close(() => r()));
    }
  });

  it('says so when there is no browser to render with', async () => {
    await expect(renderPdf('<html><head></head><body></body></html>', { chromium: '/nonexistent/chromium', tmpDir: dir })).rejects.toThrow('render: cannot start /nonexistent/chromium: ENOENT');
  });
});
