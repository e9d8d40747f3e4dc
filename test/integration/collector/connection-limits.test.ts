/**
 * What one peer may hold of the collector's listener: connections in total and
 * per address are capped (a flood of idle sockets is cut at accept, and
 * /metrics still answers), a connection that never finishes its request
 * headers is cut, and an authenticated agent socket that never says hello is
 * closed at the hello deadline without ever counting as connected.
 */
import net from 'node:net';
import { statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CLOSE } from '@dcprobe/shared';
import type { CollectorHandle } from '../../../collector/src/server.ts';
import { TOKENS, TestAgent, collector } from '../../support/collector-harness.ts';
import { tempDir } from '../../support/temp.ts';
import { waitUntil } from '../../support/wait.ts';

const FLOOD = 60;

describe('connection limits', () => {
  let tmp: ReturnType<typeof tempDir>;
  let c: CollectorHandle;
  const sockets: net.Socket[] = [];
  beforeEach(async () => {
    tmp = tempDir();
    c = await collector(tmp.dir, { database: join(tmp.dir, 'store', 'dcprobe.sqlite'), limits: { connections: 30, connectionsPerIp: 20, helloTimeoutSeconds: 0.5 } });
  });
  afterEach(async () => { for (const s of sockets.splice(0)) s.destroy(); await c.close(); tmp.cleanup(); });

  const metric = async (reason: string) => {
    const line = (await c.metricsText()).split('\n').find((l) => l.startsWith(`dcprobe_collector_connections_refused_total{reason="${reason}"}`));
    return line ? Number(line.split(' ').pop()) : 0;
  };
  const open = (host: string) => new Promise<net.Socket>((resolve) => {
    const s = net.connect({ port: c.port, host: '127.0.0.1', localAddress: host });
    s.on('error', () => {});
    sockets.push(s);
    s.once('connect', () => resolve(s));
    s.once('close', () => resolve(s)); // cut before this side saw the connect
  });
  const cut = (s: net.Socket) => new Promise<boolean>((resolve) => {
    if (s.destroyed || s.readyState === 'closed') { resolve(true); return; }
    const t = setTimeout(() => resolve(false), 2000);
    s.once('close', () => { clearTimeout(t); resolve(true); });
  });

  it('cuts idle sockets over the per-address and total caps at accept, and keeps serving /metrics', async () => {
    const first = await Promise.all(Array.from({ length: FLOOD }, () => open('127.0.0.2')));
    const closed = await Promise.all(first.map(cut));
    expect(closed.filter(Boolean).length).toBe(FLOOD - 20);
    // Another address gets the 10 left of the total.
    const second = await Promise.all(Array.from({ length: FLOOD }, () => open('127.0.0.3')));
    expect((await Promise.all(second.map(cut))).filter(Boolean).length).toBe(FLOOD - 10);
    expect(await cut(await open('127.0.0.4'))).toBe(true);
    expect(await metric('per_ip')).toBe(FLOOD - 20);
    expect(await metric('total')).toBe(FLOOD - 10 + 1);
    for (const s of sockets.splice(0)) s.destroy();
    await waitUntil('/metrics answers once the flood is gone', async () => (await fetch(`${c.url}/metrics`, { signal: AbortSignal.timeout(1000) })).status === 200, { timeoutMs: 5000 });
  });

  it('closes an authenticated socket that sends no hello at the deadline; it never counts as connected', async () => {
    const a = await TestAgent.connect(c.wsUrl, TOKENS['rack-a1']);
    expect((await c.metricsText())).toContain('dcprobe_agent_connected{agent="rack-a1"} 0');
    expect(await a.whenClosed(3000)).toEqual({ code: CLOSE.PROTOCOL, reason: 'no hello in time' });
    expect(await metric('hello_timeout')).toBe(1);
  });

  it('creates the store file 0600 in a 0700 directory', async () => {
    expect(statSync(c.config.database).mode & 0o777).toBe(0o600);
    expect(statSync(`${c.config.database}.ingest`).mode & 0o777).toBe(0o600);
    expect(statSync(dirname(c.config.database)).mode & 0o777).toBe(0o700);
  });
});
