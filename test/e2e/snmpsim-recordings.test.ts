/**
 * Every example recording Debian's snmpsim ships that has an IF-MIB ifTable,
 * replayed by snmpsimd (64 varbinds a response at most, one request at a
 * time): `dcprobe-agent probe snmp-switch` with default flags reads every
 * interface with the oper and admin states snmpbulkwalk reads.
 *
 * Left out, with reason: variation/delay.snmprec answers ifOperStatus after a
 * deliberate 1 s delay, as long as the probe's default timeout, so whether it
 * answers in time is chance by design, not a property of the poller.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { EXAMPLES_DIR, exampleRecordings, startSnmpsim, type ExampleRecording, type Snmpsim } from './fixtures/snmpsim.ts';

const BIN = fileURLToPath(new URL('../../agent/bin/dcprobe-agent.mjs', import.meta.url));
const OPER = '.1.3.6.1.2.1.2.2.1.8';
const ADMIN = '.1.3.6.1.2.1.2.2.1.7';
const LEFT_OUT = new Set(['variation/delay.snmprec']);

const communityOf = (path: string): string => path.replace(/\.gz$/, '').replace(/\.(snmprec|snmpwalk|sapwalk)$/, '').replace(/[^A-Za-z0-9]+/g, '-');

function probe(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, 'probe', ...args], { timeout: 60_000, maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : -1) : 0, stdout, stderr });
    });
  });
}

/** ifIndex → value from a snmpbulkwalk of one column. */
const byIndex = (m: Map<string, string>, column: string): Map<number, number> =>
  new Map([...m].map(([oid, v]) => [Number(oid.slice(column.length + 1)), Number(v)]));

let recordings: ExampleRecording[] = [];
let sim: Snmpsim;

beforeAll(async () => {
  recordings = (await exampleRecordings()).filter((r) => r.ifRows > 0 && !LEFT_OUT.has(r.path));
  sim = await startSnmpsim(recordings.map((r) => ({ community: communityOf(r.path), from: join(EXAMPLES_DIR, r.path) })));
});
afterAll(async () => { await sim?.stop(); });

describe('probe snmp-switch against every recorded device with an ifTable (snmpsimd, default flags)', () => {
  it('found the recordings: the Cisco stack, Linux and Windows hosts, and the rest', () => {
    expect(recordings.map((r) => r.path)).toEqual(expect.arrayContaining([
      'cisco_16_switch.snmprec.gz', 'foreignformats/winxp1.snmpwalk.gz', 'foreignformats/winxp2.sapwalk.gz', 'foreignformats/linux.snmpwalk.gz',
      'recorded/linux-full-walk.snmprec.gz', 'recorded/winxp-full-walk.snmprec.gz', 'public.snmprec.gz',
    ]));
    expect(recordings.length).toBeGreaterThanOrEqual(19);
  });

  // One probe process per recording (19 and more), each a Node start-up: bounded per recording, not by the file's default.
  it('each: every interface snmpbulkwalk lists, with its ifOperStatus and ifAdminStatus', { timeout: 20 * 30_000 }, async () => {
    const failures: string[] = [];
    for (const r of recordings) {
      const community = communityOf(r.path);
      const oper = byIndex(await sim.walk(community, OPER), OPER);
      const admin = byIndex(await sim.walk(community, ADMIN), ADMIN);
      const p = await probe(['snmp-switch', `127.0.0.1:${sim.port}`, '--community', community, '--json']);
      if (p.code !== 0) { failures.push(`${r.path}: exit ${p.code}: ${p.stderr.trim()}`); continue; }
      const rows = JSON.parse(p.stdout) as { ifIndex: number; ifOperStatus: number | null; ifAdminStatus: number | null; subject: string }[];
      const got = new Map(rows.map((x) => [x.ifIndex, [x.ifOperStatus, x.ifAdminStatus]]));
      const want = new Map([...oper].map(([i, o]) => [i, [o, admin.get(i) ?? null]]));
      if (JSON.stringify([...got].sort()) !== JSON.stringify([...want].sort())) {
        failures.push(`${r.path}: probe ${JSON.stringify([...got].sort())} ≠ snmpbulkwalk ${JSON.stringify([...want].sort())}`);
      }
    }
    expect(failures).toEqual([]);
  });
});
