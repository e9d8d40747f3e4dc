import { describe, it, expect } from 'vitest';
import { Writable } from 'node:stream';
import { makeLogger } from '../../../collector/src/log.ts';
import { TOKENS, TestAgent, collector } from '../../support/collector-harness.ts';
import { tempDir } from '../../support/temp.ts';
import { sleep } from '../../support/wait.ts';

describe('collector logs', () => {
  it('are JSON lines, one per meaningful event, and never carry a token', async () => {
    const lines: string[] = [];
    const sink = new Writable({ write(chunk, _enc, cb) { lines.push(...String(chunk).split('\n').filter(Boolean)); cb(); } });
    const tmp = tempDir();
    const c = await collector(tmp.dir, {}, { log: makeLogger('info', sink) });
    try {
      const bad = await TestAgent.connect(c.wsUrl, 'wrong-token-with-secret-material');
      await bad.whenClosed();
      const good = await TestAgent.connect(c.wsUrl, TOKENS['rack-a1']);
      await good.hello('rack-a1');
      good.close();
      await sleep(100);
    } finally { await c.close(); tmp.cleanup(); }
    const events = lines.map((l) => JSON.parse(l) as { msg: string; reason?: string; agent?: string });
    expect(events.find((e) => e.msg.startsWith('agent connection refused'))).toMatchObject({ reason: 'bad_token' });
    expect(events.find((e) => e.msg === 'agent connected')).toMatchObject({ agent: 'rack-a1' });
    const all = lines.join('\n');
    expect(all).not.toContain('wrong-token-with-secret-material');
    expect(all).not.toContain(TOKENS['rack-a1']);
    expect(all).not.toMatch(/sha256:[0-9a-f]{64}/);
  });
});
