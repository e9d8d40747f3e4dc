/**
 * `dcprobe-agent probe nut HOST:PORT [--ups NAME] --json` as a real process
 * against the real NUT upsd + dummy-ups: one object per UPS output with
 * subject, state and the raw readings; a clear error and exit 1 when upsd is gone.
 */
import { describe, it, expect, afterAll, beforeAll } from 'vitest';
import { startNutUpsd, type NutUpsd } from './fixtures/nut.ts';
import { runAgentCli } from '../support/agent-cli.ts';
import { freeTcpPort } from '../support/ports.ts';

describe('probe nut against the real upsd', () => {
  let nut: NutUpsd;
  beforeAll(async () => { nut = await startNutUpsd({ ups: ['ups1', 'ups2'], status: 'OL' }); });
  afterAll(async () => { await nut?.stop(); });

  it('lists every UPS with its state and raw readings, and one with --ups', async () => {
    await nut.setStatus('OB LB', { ups: 'ups2' });
    const all = await runAgentCli(['probe', 'nut', `${nut.host}:${nut.port}`, '--json']);
    expect(all.stderr).toBe('');
    expect(all.code).toBe(0);
    const rows = JSON.parse(all.stdout) as { subject: string; state: string; evidence: Record<string, unknown> }[];
    expect(rows.map((r) => [r.state, r.evidence['ups.status']])).toEqual([['mains', 'OL'], ['battery', 'OB LB']]);
    for (const r of rows) expect(r.subject).toMatch(/\/output$/);
    const one = await runAgentCli(['probe', 'nut', `${nut.host}:${nut.port}`, '--ups', 'ups2', '--json']);
    expect(JSON.parse(one.stdout)).toHaveLength(1);
    expect(JSON.parse(one.stdout)[0]).toMatchObject({ state: 'battery' });
  });

  it('exits 1 with a clear message when nothing listens', async () => {
    const port = await freeTcpPort();
    const r = await runAgentCli(['probe', 'nut', `127.0.0.1:${port}`, '--json']);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(new RegExp(`127\\.0\\.0\\.1:${port}`));
    expect(r.ms).toBeLessThan(15_000);
  });
});
