/**
 * `dcprobe-agent probe snmp-ups …` as a real process against the simulated
 * UPS (net-snmp's own agent): one JSON object per UPS output with subject,
 * state and the readings behind it; a clear error and exit 1 with no answer.
 */
import { describe, expect, it, onTestFinished } from 'vitest';
import { startSimUps } from '../../../agent/src/sim/ups.ts';
import { runAgentCli } from '../../support/agent-cli.ts';
import { silentUdpPort } from '../../support/ports.ts';

describe('probe snmp-ups (real process)', () => {
  it('prints the UPS output as JSON: subject, state and raw readings', async () => {
    const ups = await startSimUps({ port: 0 });
    onTestFinished(() => ups.close());
    await ups.setSource('battery');
    const r = await runAgentCli(['probe', 'snmp-ups', `127.0.0.1:${ups.port}`, '--community', 'public', '--json']);
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
    const port = await silentUdpPort();
    const r = await runAgentCli(['probe', 'snmp-ups', `127.0.0.1:${port}`, '--community', 'public', '--json']);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain(`no response from 127.0.0.1:${port}`);
    expect(r.ms).toBeLessThan(10_000);
  });
});
