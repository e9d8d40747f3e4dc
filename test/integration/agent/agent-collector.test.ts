/**
 * The real pair: startAgent ↔ startCollector with a real SQLite file. Events
 * land in the store once each, across a collector restart and an agent restart.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import pino from 'pino';
import { z } from 'zod';
import { buildConfig } from '../../../agent/src/config.ts';
import { startAgent } from '../../../agent/src/agent.ts';
import type { AgentHandle } from '../../../agent/src/agent.ts';
import { SOURCES } from '../../../agent/src/sources/index.ts';
import type { Reading, SourceKind, TargetBase } from '../../../agent/src/sources/index.ts';
import { silentLogger } from '../../../agent/src/log.ts';
import { buildConfig as collectorConfig } from '../../../collector/src/config.ts';
import { startCollector } from '../../../collector/src/server.ts';
import type { CollectorHandle } from '../../../collector/src/server.ts';
import { freeTcpPort } from '../../support/ports.ts';
import { tempDir, type TempDir } from '../../support/temp.ts';
import { sleep, until } from '../../support/wait.ts';
import { storeRows } from '../../support/store-sql.ts';

const TOKEN = 'rack-a-token-0123456789abcdef';
const states = new Map<string, Reading['state']>();
const kind: SourceKind<TargetBase> = {
  kind: 'scripted-switch',
  schema: z.strictObject({ kind: z.literal('scripted-switch'), name: z.string(), intervalSeconds: z.number().default(0.03) }),
  open: (t) => ({
    poll: async () => [...states].map(([p, state]): Reading => ({ subject: `${t.name}/${p}`, kind: 'port', state, evidence: {} })),
    close() {},
  }),
};
/** The product's kinds and this test's own, for buildConfig and startAgent alike. */
const KINDS = { ...SOURCES, [kind.kind]: kind };

let dir: string;
let tmp: TempDir;
let col: CollectorHandle | undefined;
let ag: AgentHandle | undefined;

beforeEach(async () => {
  tmp = tempDir('dcp-pair-');
  dir = tmp.dir;
  states.clear();
  states.set('ge-0/0/1', 'up').set('ge-0/0/2', 'up');
});
afterEach(async () => {
  await ag?.close();
  await col?.close();
  ag = undefined; col = undefined;
  tmp.cleanup();
});

describe('agent ↔ real collector (SQLite)', () => {
  it('every event lands once, across a collector restart and an agent restart', async () => {
    const port = await freeTcpPort();
    const cconf = collectorConfig({
      listen: `127.0.0.1:${port}`, database: join(dir, 'collector.sqlite'), logLevel: 'silent',
      agents: [{ id: 'rack-a', token: TOKEN }],
    });
    const startCol = () => startCollector(cconf, { log: silentLogger, processMetrics: false });
    const aconf = buildConfig({
      agentId: 'rack-a', collectors: [`ws://127.0.0.1:${port}/agent`], token: TOKEN, dataDir: join(dir, 'agent'),
      heartbeatSeconds: 1, targets: [{ kind: 'scripted-switch', name: 'sw1' }],
    }, undefined, KINDS);
    const startAg = () => startAgent(aconf, { log: silentLogger, processMetrics: false, sources: KINDS, link: { backoff: { minMs: 20, maxMs: 200 } } });
    const rows = () => storeRows(col!.config.database, 'SELECT seq, subject, state FROM observations WHERE agent_id = ? ORDER BY seq', 'rack-a') as
      { seq: number; subject: string; state: string }[];

    col = await startCol();
    ag = await startAg();
    await until(() => ag!.outbox.held === 0 && ag!.outbox.lastSeq === 2, 10_000, 'initial states committed');
    await col.settled();
    expect(rows().map((r) => [r.subject, r.state]).sort()).toEqual([['sw1/ge-0/0/1', 'up'], ['sw1/ge-0/0/2', 'up']]);

    await col.close();
    col = undefined;
    states.set('ge-0/0/1', 'down');
    await sleep(100);
    states.set('ge-0/0/1', 'up');
    await sleep(100);
    await ag.close();
    states.set('ge-0/0/2', 'down');
    ag = await startAg();
    await sleep(100);
    col = await startCol();
    await until(() => ag!.outbox.held === 0, 10_000, 'everything committed after both restarts');
    await col.settled();
    const got = rows();
    expect(got.map((r) => r.seq)).toEqual(Array.from({ length: ag.outbox.lastSeq }, (_, i) => i + 1));
    expect(got.filter((r) => r.subject === 'sw1/ge-0/0/1').map((r) => r.state)).toEqual(['up', 'down', 'up', 'up']);
    expect(got.filter((r) => r.subject === 'sw1/ge-0/0/2').map((r) => r.state)).toEqual(['up', 'down']);
  });

  it('a wrong token is refused by the collector; the agent says so once and pauses', async () => {
    col = await startCollector(collectorConfig({
      listen: '127.0.0.1:0', database: join(dir, 'collector.sqlite'), logLevel: 'silent', agents: [{ id: 'rack-a', token: TOKEN }],
    }), { log: silentLogger, processMetrics: false });
    const lines: { level: number; msg: string }[] = [];
    const log = pino({ level: 'debug' }, new Writable({ write(ch, _e, cb) { lines.push(JSON.parse(String(ch))); cb(); } }));
    ag = await startAgent(buildConfig({
      agentId: 'rack-a', collectors: [col.wsUrl], token: 'not-the-right-token-at-all', dataDir: join(dir, 'agent'),
      targets: [{ kind: 'scripted-switch', name: 'sw1' }],
    }, undefined, KINDS), { log, processMetrics: false, sources: KINDS, link: { backoff: { minMs: 20, maxMs: 200 }, unauthorizedBackoffMs: 60_000 } });
    await sleep(1000);
    expect(ag.link.connected).toBe(false);
    expect(lines.filter((l) => l.level >= 50).map((l) => l.msg)).toEqual([expect.stringMatching(/refused this agent's token/)]);
    expect(JSON.stringify(lines)).not.toContain('not-the-right-token');
    expect(ag.outbox.held).toBe(2); // kept for when the token is fixed
  });

  it('over wss with a private CA (caFile), token from a tokenFile that is fixed without a restart', async () => {
    const cert = fileURLToPath(new URL('../../fixtures/tls/localhost.crt', import.meta.url));
    const key = fileURLToPath(new URL('../../fixtures/tls/localhost.key', import.meta.url));
    col = await startCollector(collectorConfig({
      listen: '127.0.0.1:0', database: join(dir, 'collector.sqlite'), logLevel: 'silent', agents: [{ id: 'rack-a', token: TOKEN }], tls: { cert, key },
    }), { log: silentLogger, processMetrics: false });
    expect(col.wsUrl.startsWith('wss://')).toBe(true);
    const tokenFile = join(dir, 'token');
    await writeFile(tokenFile, 'an-old-revoked-token-0000\n');
    ag = await startAgent(buildConfig({
      agentId: 'rack-a', collectors: [col.wsUrl], tokenFile, caFile: cert, dataDir: join(dir, 'agent'),
      targets: [{ kind: 'scripted-switch', name: 'sw1' }],
    }, undefined, KINDS), { log: silentLogger, processMetrics: false, sources: KINDS, link: { backoff: { minMs: 20, maxMs: 200 }, unauthorizedBackoffMs: 300 } });
    await sleep(500);
    expect(ag.link.connected).toBe(false);
    await writeFile(tokenFile, `${TOKEN}\n`);
    await until(() => ag!.outbox.held === 0 && ag!.outbox.lastSeq === 2, 10_000, 'initial states over wss');
    await col.settled();
    const n = storeRows(col.config.database, 'SELECT count(*) AS n FROM observations WHERE agent_id = ?', 'rack-a')[0] as { n: number };
    expect(n.n).toBe(2);
  });

  it('two agents sharing one agentId keep backing off instead of replacing each other at full speed', async () => {
    col = await startCollector(collectorConfig({
      listen: '127.0.0.1:0', database: join(dir, 'collector.sqlite'), logLevel: 'silent', agents: [{ id: 'rack-a', token: TOKEN }],
    }), { log: silentLogger, processMetrics: false });
    const lines: { msg: string }[] = [];
    const log = pino({ level: 'error' }, new Writable({ write(ch, _e, cb) { lines.push(JSON.parse(String(ch))); cb(); } }));
    const twin = (n: number) => startAgent(buildConfig({
      agentId: 'rack-a', collectors: [col!.wsUrl], token: TOKEN, dataDir: join(dir, `agent-${n}`), targets: [],
    }), { log, processMetrics: false, link: { backoff: { minMs: 20, maxMs: 400 } } });
    const a = await twin(1);
    const b = await twin(2);
    try {
      await sleep(3000);
      const replaced = lines.filter((l) => l.msg.startsWith('collector replaced this connection')).length;
      expect(replaced).toBeGreaterThan(0);
      expect(replaced).toBeLessThan(40); // reset backoff would make this hundreds
    } finally {
      await a.close();
      await b.close();
    }
  });
});
