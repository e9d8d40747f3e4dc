/**
 * The store's hash chain on a running collector's /metrics: the link count and
 * the head's first 64 bits are what `verify-store` prints for the same store
 * (run beside the collector, read-only), and they move on with every append, so
 * Prometheus keeps a record of the head that the store's administrator cannot
 * rewrite (docs/tamper-evidence.md).
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../../collector/src/cli.ts';
import type { CollectorHandle } from '../../../collector/src/server.ts';
import { TOKENS, TestAgent, collector, portEvent } from '../../support/collector-harness.ts';
import { tempDir, type TempDir } from '../../support/temp.ts';

const T0 = Date.UTC(2026, 10, 3, 2, 0, 0);
let tmp: TempDir;
let c: CollectorHandle;
let agent: TestAgent;
let seq = 0;

beforeAll(async () => {
  tmp = tempDir('dcprobe-chain-metrics-');
  c = await collector(tmp.dir);
  agent = await TestAgent.connect(c.wsUrl, TOKENS['rack-a1']);
  await agent.hello('rack-a1');
});
afterAll(async () => { agent?.close(); await c?.close(); tmp.cleanup(); });

async function feed(n: number): Promise<void> {
  await agent.events(Array.from({ length: n }, () => { seq++; return portEvent(seq, seq % 2 ? 'down' : 'up', T0 + seq * 1000); }), seq);
  await c.settled();
}

/** The chain as a real HTTP scrape of /metrics shows it: the head's 16 hex digits rebuilt as `printf '%08x%08x' high low` would. */
async function scraped(): Promise<{ links: number; head16: string }> {
  const text = await (await fetch(`${c.url}/metrics`)).text();
  const value = (series: string) => {
    const line = text.split('\n').find((l) => l.startsWith(`${series} `));
    expect(line, `${series} on /metrics`).toBeDefined();
    return Number(line!.slice(series.length + 1));
  };
  const hex = (n: number) => n.toString(16).padStart(8, '0');
  return {
    links: value('dcprobe_collector_store_chain_links'),
    head16: hex(value('dcprobe_collector_store_chain_head{half="high"}')) + hex(value('dcprobe_collector_store_chain_head{half="low"}')),
  };
}

/** What `dcprobe-collector verify-store` prints for the running collector's store. */
async function verified(): Promise<{ links: number; head: string }> {
  const cfg = join(tmp.dir, 'verify.yml');
  writeFileSync(cfg, `listen: 127.0.0.1:0\ndatabase: ${c.config.database}\n`);
  const out: string[] = [], err: string[] = [];
  expect(await main(['verify-store', '--config', cfg], { out: (s) => out.push(s), err: (s) => err.push(s) })).toBe(0);
  expect(err).toEqual([]);
  const m = /hash chain intact, (\d+) links; head ([0-9a-f]{64})$/.exec(out.join('\n'));
  expect(m, out.join('\n')).not.toBeNull();
  return { links: Number(m![1]), head: m![2]! };
}

describe('the hash chain on /metrics', () => {
  it('shows the link count and the head that verify-store prints, and follows each append', async () => {
    await feed(5);
    const first = await verified();
    expect(first.links).toBeGreaterThanOrEqual(2); // the config's customer version with its audit row, and the events
    expect(await scraped()).toEqual({ links: first.links, head16: first.head.slice(0, 16) });

    await feed(3);
    const next = await verified();
    expect(next.links).toBeGreaterThan(first.links);
    expect(next.head).not.toBe(first.head);
    expect(await scraped()).toEqual({ links: next.links, head16: next.head.slice(0, 16) });
  });

  it('keeps its two series to the two halves, whatever the head: no series per link', async () => {
    const text = await (await fetch(`${c.url}/metrics`)).text();
    expect(text.split('\n').filter((l) => l.startsWith('dcprobe_collector_store_chain_')).map((l) => l.replace(/ \d+$/, ''))).toEqual([
      'dcprobe_collector_store_chain_links', 'dcprobe_collector_store_chain_head{half="high"}', 'dcprobe_collector_store_chain_head{half="low"}',
    ]);
  });
});
