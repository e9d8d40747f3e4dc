/**
 * `dcprobe-agent discover KIND HOST[:PORT] [flags] [--json]`: generic over the
 * source registry, like probe. The kind reads the device once and proposes a
 * target block for agent.yml and a customers block for collector.yml; both are
 * printed as YAML documents with a comment saying where they go (or, with
 * --json, as one object). The target block is checked against the agent's own
 * config schema before it is printed. Notes (interfaces skipped and why) go to
 * stderr. Exit 0 on a proposal, 1 when the device did not answer, 2 for a
 * wrong command line.
 */
import pino from 'pino';
import { stringify } from 'yaml';
import { E, isCoded } from '@dcprobe/shared';
import { makeLogger } from '../log.ts';
import { SOURCES } from '../sources/index.ts';
import { parseFlags, splitTarget, type ProbeIo } from './probe.ts';

const USAGE = 'usage: dcprobe-agent discover KIND HOST[:PORT] [--flag value …] [--json]';

function help(): string {
  const kinds = Object.values(SOURCES).filter((k) => k.discover).sort((a, b) => a.kind.localeCompare(b.kind));
  return [USAGE, '', ...kinds.flatMap((k) => [`  ${k.kind}:`, ...k.discover!.flags.map((f) => `    ${f}`)]),
    '', '  --json                 one JSON object { target, customers } instead of YAML'].join('\n');
}

export async function discoverCommand(args: string[], io: ProbeIo): Promise<number> {
  const { positional, flags } = parseFlags(args);
  if (flags.help === true || positional[0] === 'help') { io.out(help()); return 0; }
  const json = flags.json === true;
  delete flags.json;
  const [kindName, where, ...extra] = positional;
  if (!kindName || !where || extra.length > 0) { io.err(help()); return 2; }
  const kind = SOURCES[kindName];
  if (!kind?.discover) {
    const able = Object.values(SOURCES).filter((k) => k.discover).map((k) => k.kind).sort();
    io.err(`${kind ? `kind ${kindName} has no discovery` : `unknown kind ${kindName}`}; try one of: ${able.join(', ')}`);
    return 2;
  }
  const hp = splitTarget(where, kind.discover.defaultPort);
  if (!hp) { io.err(`HOST[:PORT]: cannot read "${where}"`); return 2; }
  const log = makeLogger(process.env.DCPROBE_LOG_LEVEL ?? 'warn', pino.destination(2));
  let found;
  try {
    found = await kind.discover.run(hp.host, hp.port, flags, { log, now: Date.now });
  } catch (err) {
    if (!isCoded(err)) { io.err(`discover failed: ${err instanceof Error ? err.name : String(err)}`); return 1; }
    io.err(err.message);
    return err.code === E.VALIDATION ? 2 : 1;
  }
  // What we print must load: the kind's own schema, as check-config would apply it.
  const check = kind.schema.safeParse(found.target);
  if (!check.success) { io.err(`discover produced a target its schema refuses: ${check.error.issues[0]!.message}`); return 1; }
  for (const n of found.notes) io.err(`note: ${n}`);
  if (json) { io.out(JSON.stringify({ target: found.target, customers: found.customers }, null, 2)); return 0; }
  io.out([
    `# agent.yml: add to \`targets:\` (carries the SNMP credentials given; keep it like agent.yml)`,
    stringify({ targets: [found.target] }).trimEnd(),
    '---',
    `# collector.yml: add to \`customers:\` (${found.customers.length} customers; set their terms before billing)`,
    stringify({ customers: found.customers }).trimEnd(),
  ].join('\n'));
  return 0;
}
