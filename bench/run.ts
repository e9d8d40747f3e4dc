/**
 * `npm run bench`: runs the benchmark sections in order and prints a table per
 * section (figures and ratios). Adding a section is one line in SECTIONS.
 *
 *   npm run bench                       all sections
 *   npm run bench -- --only ingest      one section (comma-separate for several)
 *   npm run bench -- --quick            shorter phases, noisier figures
 *   npm run bench -- --markdown         Markdown tables (for docs/benchmarks.md)
 *   npm run bench -- --profile DIR      CPU profiles of the measured windows into DIR
 *                                       (read with: node --import tsx bench/lib/profile-summary.ts FILE)
 *   npm run bench -- --list             section names
 */
import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import type { Section } from './lib/section.ts';
import { renderMarkdown, renderText } from './lib/table.ts';
import { describeMachine, machine } from './lib/machine.ts';
import { ingest, ingestMemory } from './ingest.ts';
import { snmpPoll } from './snmp-poll.ts';
import { snmpFleet } from './snmp-fleet.ts';
import { snmpCapped } from './snmp-capped.ts';
import { trapLatency } from './trap-latency.ts';
import { sla } from './sla.ts';
import { pgIngest } from './pg-ingest.ts';
import { pgFailover } from './pg-failover.ts';
import { pgSla } from './pg-sla.ts';

const SECTIONS: Section[] = [
  { name: 'ingest', run: ingest },
  { name: 'ingest-memory', run: ingestMemory },
  { name: 'snmp-poll', run: snmpPoll },
  { name: 'snmp-capped', run: snmpCapped },
  { name: 'snmp-fleet', run: snmpFleet },
  { name: 'trap-latency', run: trapLatency },
  { name: 'sla', run: sla },
  { name: 'pg-ingest', run: pgIngest },
  { name: 'pg-failover', run: pgFailover },
  { name: 'pg-sla', run: pgSla },
];

const USAGE = 'usage: npm run bench -- [--only NAME[,NAME]] [--quick] [--markdown] [--profile DIR] [--list]';

/** The command line, or null (after saying why) when it is not understood. */
function flags() {
  try {
    return parseArgs({
      options: {
        only: { type: 'string', multiple: true },
        quick: { type: 'boolean', default: false },
        markdown: { type: 'boolean', default: false },
        profile: { type: 'string' },
        list: { type: 'boolean', default: false },
      },
      strict: true,
    }).values;
  } catch (e) {
    console.error(`${(e as Error).message}\n${USAGE}`);
    return null;
  }
}

async function main(): Promise<number> {
  const values = flags();
  if (!values) return 2;
  if (values.list) { for (const s of SECTIONS) console.log(s.name); return 0; }
  const wanted = (values.only ?? []).flatMap((v) => v.split(',')).map((v) => v.trim()).filter(Boolean);
  const unknown = wanted.filter((w) => !SECTIONS.some((s) => s.name === w));
  if (unknown.length) {
    console.error(`unknown section ${unknown.join(', ')}; sections: ${SECTIONS.map((s) => s.name).join(', ')}`);
    return 2;
  }
  const profileDir = values.profile ? resolve(values.profile) : null;
  if (profileDir) mkdirSync(profileDir, { recursive: true });
  const opts = { quick: values.quick, profileDir };
  const render = values.markdown ? renderMarkdown : renderText;

  console.log(`dcprobe bench — ${describeMachine(machine())}${opts.quick ? ' — QUICK run' : ''}\n`);
  let failed = 0;
  for (const s of SECTIONS.filter((x) => wanted.length === 0 || wanted.includes(x.name))) {
    const t0 = performance.now();
    console.log(values.markdown ? `### ${s.name}\n` : `== ${s.name} ==`);
    try {
      for (const t of await s.run(opts)) console.log(`${render(t)}\n`);
    } catch (e) {
      failed++;
      console.error(`section ${s.name} failed: ${(e as Error).stack ?? String(e)}\n`);
    }
    console.log(`(${s.name}: ${((performance.now() - t0) / 1000).toFixed(1)} s)\n`);
  }
  if (profileDir) console.log(`CPU profiles in ${profileDir} (open in Chrome DevTools → Performance, or speedscope)`);
  return failed ? 1 : 0;
}

process.exitCode = await main();
