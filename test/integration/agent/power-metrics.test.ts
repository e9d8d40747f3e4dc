/**
 * The agent's /metrics carries the UPS's battery and load from its polls of the
 * simulated UPS (net-snmp's own agent), and drops them once the UPS stops answering.
 */
import { describe, expect, it, onTestFinished } from 'vitest';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildConfig } from '../../../agent/src/config.ts';
import { startAgent } from '../../../agent/src/agent.ts';
import { silentLogger } from '../../../agent/src/log.ts';
import { startSimUps } from '../../../agent/src/sim/ups.ts';
import { startFakeCollector } from './link-fake-collector.ts';
import { eventually } from '../../support/wait.ts';

const TOKEN = 'agent-token-0123456789abcdef';

async function upsLines(port: number): Promise<string[]> {
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  return text.split('\n').filter((l) => l.startsWith('dcprobe_ups_'));
}

describe('agent /metrics: UPS battery and load', () => {
  it('follows the polls of a UPS and drops its series when it stops answering', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'dcp-power-'));
    onTestFinished(() => rm(dir, { recursive: true, force: true }));
    const ups = await startSimUps({ port: 0 });
    const col = await startFakeCollector({ token: TOKEN });
    onTestFinished(() => col.close());
    const agent = await startAgent(buildConfig({
      agentId: 'rack-p', collectors: [col.url], token: TOKEN, dataDir: join(dir, 'data'), metrics: { listen: '127.0.0.1:0' },
      targets: [{ kind: 'snmp-ups', name: 'ups1', host: '127.0.0.1', port: ups.port, community: 'public', intervalSeconds: 0.2, timeoutMs: 200, retries: 0 }],
    }), { log: silentLogger, processMetrics: false });
    onTestFinished(() => agent.close());
    const port = agent.metricsServer!.port;

    const lines = await eventually(() => upsLines(port), (l) => l.length === 3);
    expect(lines).toEqual([
      'dcprobe_ups_battery_charge_ratio{device="ups1",feed="output"} 1',
      'dcprobe_ups_battery_runtime_seconds{device="ups1",feed="output"} 1800',
      'dcprobe_ups_load_ratio{device="ups1",feed="output"} 0.22',
    ]);
    await ups.close();
    expect(await eventually(() => upsLines(port), (l) => l.length === 0)).toEqual([]);
  });
});
