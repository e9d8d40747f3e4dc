/**
 * `dcprobe-agent probe snmp-ups …` as a real process against the simulated
 * UPS (net-snmp's own agent): one JSON object per UPS output with subject,
 * state and the readings behind it; a clear error and exit 1 with no answer.
 */
import { describe, expect, it, onTestFinished } from 'vitest';
import { execFile } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { fileURLToPath } from 'node:url';
import { startSimUps } from '../../../agent/src/sim/ups.ts';

const BIN = fileURLToPath(new URL('../../../agent/bin/dcprobe-agent.mjs', import.meta.url));

const run = (args: string[]) => new Promise<{ code: number; stdout: string; stderr: string; ms: number }>((resolve) => {
  const t0 = Date.now();
  execFile(process.execPath, [BIN, ...args], { timeout: 20_000 }, (err, stdout, stderr) => {
    resolve({ code: err ? (typeof err.code === 'number' ? err.code : -1) : 0, stdout, stderr, ms: Date.now() - t0 });
  });
});

describe('probe snmp-ups (real process)', () => {
  it('prints the UPS output as JSON: subject, state and raw readings', async () => {
    const ups = await startSimUps({ port: 0 });
    onTestFinished(() => ups.close());
    await ups.setSource('battery');
    const r = await run(['probe', 'snmp-ups', `127.0.0.1:${ups.port}`, '--community', 'public', '--json']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const rows = JSON.parse(r.stdout) as { subject: string; state: string; evidence: Record<string, unknown> }[];
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ state: 'battery' });
    expect(rows[0]!.subject).toMatch(/\/output$/);
    expect(JSON.stringify(rows[0]!.evidence)).toMatch(/upsOutputSource|outputSource/);
    expect(r.stdout).not.toContain('public');
  });

  it('says no response and exits 1 within seconds when the UPS does not answer', async () => {
    const s = createSocket('udp4');
    await new Promise<void>((res) => s.bind(0, '127.0.0.1', () => res()));
    onTestFinished(() => { s.close(); });
    const port = s.address().port;
    const r = await run(['probe', 'snmp-ups', `127.0.0.1:${port}`, '--community', 'public', '--json']);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain(`no response from 127.0.0.1:${port}`);
    expect(r.ms).toBeLessThan(10_000);
  });
});
