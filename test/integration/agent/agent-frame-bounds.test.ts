/**
 * A real agent process against a hostile collector that answers its hello
 * with frames nested 150,000 levels deep: the agent refuses each one on its
 * raw text, before JSON.parse, drops that connection and reconnects; it
 * neither crashes nor stalls.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { rm } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { WebSocketServer } from 'ws';
import { tempDir } from '../../support/temp.ts';
import { waitUntil } from '../../support/wait.ts';
import { startAgentProcess } from '../../support/agent-process.ts';
import type { AgentProcess } from '../../support/agent-process.ts';
import { agentConfig } from '../../support/collector-pair.ts';

const DEEP = 150_000;
const FRAMES = [
  `${'['.repeat(DEEP)}${']'.repeat(DEEP)}`,
  `{"type":"ack","v":1,"seq":0,"x":${'{"a":'.repeat(DEEP)}1${'}'.repeat(DEEP)}}`,
];

let dir: string;
let wss: WebSocketServer | undefined;
let agent: AgentProcess | undefined;

beforeEach(async () => { dir = tempDir('dcp-frame-bounds-').dir; });
afterEach(async () => {
  if (agent && !agent.daemon.hasExited()) await agent.kill9();
  for (const c of wss?.clients ?? []) c.terminate();
  await new Promise((r) => (wss ? wss.close(r) : r(undefined)));
  agent = undefined; wss = undefined;
  await rm(dir, { recursive: true, force: true });
});

describe('frames the agent receives', () => {
  it(`refuses frames nested ${DEEP.toLocaleString('en')} levels deep before parsing them, and reconnects`, async () => {
    let connections = 0;
    wss = new WebSocketServer({ host: '127.0.0.1', port: 0, path: '/agent' });
    await new Promise<void>((r) => wss!.once('listening', () => r()));
    wss.on('connection', (ws) => {
      const frame = FRAMES[connections++ % FRAMES.length]!;
      ws.on('message', () => { if (ws.readyState === ws.OPEN) ws.send(frame); });
      ws.on('error', () => undefined);
    });
    agent = await startAgentProcess({ dir, config: agentConfig((wss.address() as AddressInfo).port, join(dir, 'agent')) });
    const refusals = () => agent!.logs().filter((l) => l.msg === 'collector sent a frame outside the protocol; reconnecting');
    await waitUntil('both deep frames refused', () => refusals().length >= 2, { timeoutMs: 20_000 });
    expect(new Set(refusals().slice(0, 2).map((l) => l.error))).toEqual(new Set(['frame nested deeper than 16 levels']));
    expect(connections).toBeGreaterThanOrEqual(2);
    expect(agent.daemon.hasExited()).toBe(false);
  });
});
