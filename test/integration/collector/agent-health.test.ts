/**
 * Configured agents in /metrics and /healthz: one that never connected is
 * exported as disconnected (so DcprobeAgentDown can fire) and named by /healthz;
 * one the config no longer lists is not exported at all.
 */
import { describe, expect, it, onTestFinished } from 'vitest';
import { TOKENS, TestAgent, collector } from '../../support/collector-harness.ts';
import { tempDir } from '../../support/temp.ts';
import { until } from '../../support/wait.ts';

const lines = (text: string, name: string) => text.split('\n').filter((l) => l.startsWith(`${name}{`)).sort();
const healthz = async (url: string) => (await fetch(`${url}/healthz`)).json() as Promise<Record<string, any>>;

describe('configured agents', () => {
  it('exports an agent that never connected as disconnected, and /healthz names it while staying ok', async () => {
    const tmp = tempDir();
    onTestFinished(() => tmp.cleanup());
    const c = await collector(tmp.dir);
    onTestFinished(() => c.close());
    expect(lines(await c.metricsText(), 'dcprobe_agent_connected')).toEqual([
      'dcprobe_agent_connected{agent="rack-a1"} 0', 'dcprobe_agent_connected{agent="rack-b2"} 0',
    ]);
    expect(await healthz(c.url)).toMatchObject({ status: 'ok', agents: { configured: 2, connected: 0, neverConnected: ['rack-a1', 'rack-b2'] } });

    const a = await TestAgent.connect(c.wsUrl, TOKENS['rack-a1']);
    await a.hello('rack-a1');
    expect(lines(await c.metricsText(), 'dcprobe_agent_connected')).toEqual([
      'dcprobe_agent_connected{agent="rack-a1"} 1', 'dcprobe_agent_connected{agent="rack-b2"} 0',
    ]);
    expect((await healthz(c.url)).agents).toEqual({ configured: 2, connected: 1, neverConnected: ['rack-b2'] });
    a.close();
    await until(() => c.liveness.status('rack-a1') === 'disconnected', 5000, 'the session to end');
    // Gone again, but it did connect once: DcprobeAgentDown's business, not "never connected".
    expect((await healthz(c.url)).agents).toEqual({ configured: 2, connected: 0, neverConnected: ['rack-b2'] });
  });

  it('remembers across a restart who connected once, and drops an agent the config no longer lists', async () => {
    const tmp = tempDir();
    onTestFinished(() => tmp.cleanup());
    const first = await collector(tmp.dir);
    const a = await TestAgent.connect(first.wsUrl, TOKENS['rack-a1']);
    await a.hello('rack-a1');
    a.close();
    await first.close();

    const onlyB = await collector(tmp.dir, { agents: [{ id: 'rack-b2', token: TOKENS['rack-b2'] }] });
    onTestFinished(() => onlyB.close());
    const m = await onlyB.metricsText();
    expect(lines(m, 'dcprobe_agent_connected')).toEqual(['dcprobe_agent_connected{agent="rack-b2"} 0']);
    expect(lines(m, 'dcprobe_agent_last_seen_timestamp_seconds')).toEqual([]);
    expect((await healthz(onlyB.url)).agents).toEqual({ configured: 1, connected: 0, neverConnected: ['rack-b2'] });
    await onlyB.close();

    const both = await collector(tmp.dir);
    onTestFinished(() => both.close());
    expect((await healthz(both.url)).agents).toEqual({ configured: 2, connected: 0, neverConnected: ['rack-b2'] });
    expect(lines(await both.metricsText(), 'dcprobe_agent_last_seen_timestamp_seconds')).toHaveLength(1);
  });
});
