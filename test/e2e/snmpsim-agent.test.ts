/**
 * A running agent (the real process, default request settings) polling every
 * recorded device with an ifTable, the UPS recordings and a switch with
 * unusual interface names, all replayed by one snmpsimd (single-threaded,
 * 64 varbinds a response), streaming to a real collector (startCollector,
 * SQLite file). Every port and UPS reaches the collector in the state
 * snmpbulkwalk reads; names with spaces, slashes, quotes, backslashes,
 * non-ASCII, padding and 255 bytes come back from the API under their
 * encoded subject ids; after the collector restarts, the agent reconnects and
 * streams on (the devices going silent and coming back).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { openSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { portSubjectId } from '@dcprobe/shared';
import { buildConfig, startCollector, type CollectorHandle } from '../../collector/src/index.ts';
import { silentLogger } from '../../collector/src/log.ts';
import { EXAMPLES_DIR, exampleRecordings, startSnmpsim, type Snmpsim } from './fixtures/snmpsim.ts';
import { freeTcpPort } from '../support/ports.ts';
import { killPid } from '../support/procs.ts';
import { tempDir, type TempDir } from '../support/temp.ts';
import { waitUntil } from '../support/wait.ts';
import { storeRows, storeValue } from '../support/store-sql.ts';

const AGENT_BIN = fileURLToPath(new URL('../../agent/bin/dcprobe-agent.mjs', import.meta.url));
const fixture = (name: string) => fileURLToPath(new URL(`../fixtures/snmpsim/${name}`, import.meta.url));
const TOKEN = 'e2e-snmpsim-agent-token-0123';
const API_TOKEN = 'e2e-snmpsim-api-token-01234';
const POLL_S = 10;
const OPER = '.1.3.6.1.2.1.2.2.1.8';
const OPER_STATE: Record<string, string> = { 1: 'up', 4: 'unknown' }; // every other 1–7 value: down
const UPS = { online: 'mains', battery: 'battery', bypass: 'bypass', off: 'off' } as const;
const LEFT_OUT = new Set(['variation/delay.snmprec']); // a deliberate 1 s per answer (see snmpsim-recordings.test.ts)

/** The interface names of test/fixtures/snmpsim/names.snmprec, as octets. */
const NAMES: Buffer[] = [
  Buffer.from('Gi 1/0/1'), Buffer.from('port "uplink" \\ a'), Buffer.from('Порт 3'), Buffer.from('eth4\0\0'),
  Buffer.from(`${'Ten-GigabitEthernet '.repeat(13)}1/0/15`).subarray(0, 255), Buffer.from('100% util~x'),
];
const NAME_STATES = ['up', 'down', 'down', 'up', 'up', 'down'];

const targetOf = (path: string): string => path.replace(/\.gz$/, '').replace(/\.(snmprec|snmpwalk|sapwalk)$/, '').replace(/[^A-Za-z0-9]+/g, '-');

interface Obs { subject: string; state: string; at: number; id: number }

describe('agent → collector, devices replayed by snmpsimd', () => {
  let tmp: TempDir | undefined, dir: string, sim: Snmpsim, col: CollectorHandle | undefined, agent: ChildProcess | undefined, collectorPort: number;
  let switches: string[] = [];

  const startCol = async () => {
    col = await startCollector(buildConfig({
      listen: `127.0.0.1:${collectorPort}`, database: join(dir, 'c.sqlite'), logLevel: 'silent', heartbeatTimeoutSeconds: 60,
      agents: [{ id: 'rack-sim', token: TOKEN }],
      apiTokens: [{ name: 'noc', role: 'read', token: API_TOKEN }],
      customers: [{
        id: 'names-01', network: { ports: NAMES.map((n) => portSubjectId('names', n)), redundancy: 'all' },
        terms: { network: { target: 0.999 } },
      }],
    }), { log: silentLogger, processMetrics: false });
  };
  const obs = (where = '1=1', ...p: unknown[]): Obs[] =>
    storeRows<Obs>(col!.config.database, `SELECT id, subject, state, at FROM observations WHERE ${where} ORDER BY id`, ...p);
  /** The latest state of each subject of a target. */
  const latest = (target: string, afterId = 0): Map<string, string> =>
    new Map(obs('subject LIKE ? AND id > ?', `${target}/%`, afterId).map((o) => [o.subject, o.state]));

  beforeAll(async () => {
    tmp = tempDir('dcprobe-e2e-snmpsim-');
    dir = tmp.dir;
    const recordings = (await exampleRecordings()).filter((r) => r.ifRows > 0 && !LEFT_OUT.has(r.path));
    switches = recordings.map((r) => targetOf(r.path));
    sim = await startSnmpsim([
      ...recordings.map((r) => ({ community: targetOf(r.path), from: join(EXAMPLES_DIR, r.path) })),
      { community: 'names', from: fixture('names.snmprec') },
      ...Object.keys(UPS).map((n) => ({ community: `ups-${n}`, from: fixture(`ups-${n}.snmprec`) })),
    ]);
    collectorPort = await freeTcpPort();
    await startCol();
    writeFileSync(join(dir, 'agent.yml'), JSON.stringify({
      agentId: 'rack-sim', collectors: [`ws://127.0.0.1:${collectorPort}/agent`], token: TOKEN,
      dataDir: join(dir, 'outbox'), heartbeatSeconds: 2, logLevel: 'info',
      targets: [
        ...[...switches, 'names'].map((name) => ({ kind: 'snmp-switch', name, host: sim.host, port: sim.port, community: name, ports: 'all', intervalSeconds: POLL_S })),
        ...Object.keys(UPS).map((n) => ({ kind: 'snmp-ups', name: `ups-${n}`, host: sim.host, port: sim.port, community: `ups-${n}`, intervalSeconds: POLL_S })),
      ],
    }));
    const log = openSync(join(dir, 'agent.log'), 'a');
    agent = spawn(process.execPath, [AGENT_BIN, 'run', '--config', join(dir, 'agent.yml')], { stdio: ['ignore', log, log] });
  });

  afterAll(async () => {
    if (agent?.pid && agent.exitCode === null) await killPid(agent.pid);
    await col?.close();
    await sim?.stop();
    tmp?.cleanup();
  });

  it('every port of every recorded switch reaches the collector in the state snmpbulkwalk reads', async () => {
    const want = new Map<string, string[]>();
    for (const t of switches) {
      want.set(t, [...(await sim.walk(t, OPER)).values()].map((v) => OPER_STATE[v] ?? 'down').sort());
    }
    await waitUntil('every port at the collector', () => switches.every((t) => latest(t).size === want.get(t)!.length),
      { timeoutMs: 90_000, intervalMs: 500 });
    for (const t of switches) expect([t, [...latest(t).values()].sort()]).toEqual([t, want.get(t)]);
  });

  it('every recorded UPS reaches the collector in its state', async () => {
    await waitUntil('every UPS at the collector', () => Object.keys(UPS).every((n) => latest(`ups-${n}`).size === 1), { timeoutMs: 60_000, intervalMs: 500 });
    for (const [n, state] of Object.entries(UPS)) expect(latest(`ups-${n}`).get(`ups-${n}/output`)).toBe(state);
  });

  it('names with spaces, slashes, quotes, backslashes, non-ASCII, padding and 255 bytes come back from the API', async () => {
    const ids = NAMES.map((n) => portSubjectId('names', n));
    expect(ids.slice(0, 4)).toEqual(['names/Gi%201/0/1', 'names/port%20%22uplink%22%20%5C%20a', 'names/Порт%203', 'names/eth4']);
    expect(ids[4]).toMatch(/^names\/Ten-GigabitEthernet%20.*~[0-9a-f]{8}$/);
    expect(ids[5]).toBe('names/100%25%20util%7Ex');
    await waitUntil('the names at the collector', () => latest('names').size === NAMES.length, { timeoutMs: 60_000, intervalMs: 500 });
    await col!.settled();
    const r = await fetch(`${col!.url}/api/v1/customers/names-01/scenario`, { headers: { authorization: `Bearer ${API_TOKEN}` } });
    expect(r.status).toBe(200);
    const scenario = await r.json() as { observations: { subject: string; state: string }[] };
    const got = new Map(scenario.observations.map((o) => [o.subject, o.state]));
    expect(ids.map((id) => got.get(id))).toEqual(NAME_STATES);
  });

  it('after the collector restarts, the agent reconnects and streams on: devices silent, then back', async () => {
    await col!.close();
    await startCol();
    const before = obs().at(-1)?.id ?? 0;
    await waitUntil('the agent back on the new collector', async () => (await col!.metricsText()).includes('dcprobe_agent_connected{agent="rack-sim"} 1'),
      { timeoutMs: 30_000, intervalMs: 250 });
    await sim.down();
    await waitUntil('every UPS unknown at the new collector', () => Object.keys(UPS).every((n) => latest(`ups-${n}`, before).get(`ups-${n}/output`) === 'unknown'),
      { timeoutMs: 3 * POLL_S * 1000 + 30_000, intervalMs: 500 });
    await sim.up();
    await waitUntil('every UPS read again', () => Object.entries(UPS).every(([n, s]) => latest(`ups-${n}`, before).get(`ups-${n}/output`) === s),
      { timeoutMs: 3 * POLL_S * 1000 + 30_000, intervalMs: 500 });
    expect(storeValue(col!.config.database, 'SELECT count(*) FROM rejected_events')).toBe(0);
  });
});
