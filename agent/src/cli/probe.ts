/**
 * `dcprobe-agent probe KIND HOST[:PORT] [flags] [--json]`: generic over the
 * source registry. The kind's ProbeSupport turns flags into a target; the
 * command opens it, polls once and prints every reading. Exit 0 on answers,
 * 1 when the device did not answer, refused us, or had nothing to read (no
 * interfaces), 2 for a wrong command line.
 */
import pino from 'pino';
import { commandHelp, isCoded, type CommandSpec } from '@dcprobe/shared';
import { makeLogger } from '../log.ts';
import { SOURCES } from '../sources/index.ts';

export interface ProbeIo {
  out(s: string): void;
  err(s: string): void;
}

const USAGE = 'usage: dcprobe-agent probe KIND HOST[:PORT] [--flag value …] [--json]';

const probeable = () => Object.values(SOURCES).filter((k) => k.probe).map((k) => k.kind).sort();

/**
 * `probe --help`: the command and every kind's flags; `probe KIND --help`:
 * that kind's. The flags are the kind's own list (ProbeSupport.flags), the
 * same list its target() accepts.
 */
export function probeHelp(program: string, spec: CommandSpec, args: readonly string[]): string {
  const asked = args.find((a) => !a.startsWith('-'));
  const kinds = asked && SOURCES[asked]?.probe ? [asked] : probeable();
  const parts = kinds.map((k) => {
    const p = SOURCES[k]!.probe!;
    return commandHelp(program, {
      name: `probe ${k}`, args: `HOST[:PORT]`, summary: `default port ${p.defaultPort}`, flags: [...spec.flags, ...p.flags],
    });
  });
  return kinds.length === 1 ? parts[0]! : [commandHelp(program, { ...spec, more: `kinds: ${kinds.join(', ')}` }), ...parts].join('\n\n');
}

/** `--x v`, `--x=v`, or a bare `--x` (true) when no value follows. */
export function parseFlags(args: readonly string[]): { positional: string[]; flags: Record<string, string | boolean> } {
  const positional: string[] = [];
  const flags: Record<string, string | boolean> = {};
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (!a.startsWith('--')) { positional.push(a); continue; }
    const eq = a.indexOf('=');
    if (eq > 0) { flags[a.slice(2, eq)] = a.slice(eq + 1); continue; }
    const next = args[i + 1];
    if (next !== undefined && !next.startsWith('--')) { flags[a.slice(2)] = next; i++; } else flags[a.slice(2)] = true;
  }
  return { positional, flags };
}

/** `10.0.0.1`, `10.0.0.1:161`, `sw1.example:1161`, `[::1]:161`, `::1`. */
export function splitTarget(s: string, defaultPort: number): { host: string; port: number } | null {
  const v6 = /^\[([0-9a-fA-F:.]+)\](?::(\d+))?$/.exec(s);
  if (v6) return { host: v6[1]!, port: v6[2] ? Number(v6[2]) : defaultPort };
  if ((s.match(/:/g) ?? []).length > 1) return { host: s, port: defaultPort }; // bare IPv6
  const m = /^([A-Za-z0-9._-]+)(?::(\d+))?$/.exec(s);
  if (!m) return null;
  const port = m[2] ? Number(m[2]) : defaultPort;
  return port >= 1 && port <= 65535 ? { host: m[1]!, port } : null;
}

export async function probeCommand(args: string[], io: ProbeIo): Promise<number> {
  const { positional, flags } = parseFlags(args);
  const json = flags.json === true;
  delete flags.json;
  const [kindName, where, ...extra] = positional;
  if (!kindName || !where || extra.length > 0) {
    io.err(`${USAGE}\nkinds: ${Object.keys(SOURCES).sort().join(', ')}`);
    return 2;
  }
  const kind = Object.hasOwn(SOURCES, kindName) ? SOURCES[kindName] : undefined;
  if (!kind?.probe) {
    io.err(`${kind ? `kind ${kindName} cannot be probed` : `unknown kind ${kindName}`}; try one of: ${probeable().join(', ')}`);
    return 2;
  }
  const hp = splitTarget(where, kind.probe.defaultPort);
  if (!hp) { io.err(`HOST[:PORT]: cannot read "${where}"`); return 2; }

  let target;
  try {
    target = kind.probe.target(hp.host, hp.port, flags);
  } catch (err) {
    io.err(isCoded(err) ? err.message : String(err));
    return 2;
  }
  // Quiet unless something is wrong, on stderr so `--json` output stays clean.
  const log = makeLogger(process.env.DCPROBE_LOG_LEVEL ?? 'warn', pino.destination(2));
  const instance = kind.open(target, { log, now: Date.now });
  try {
    const readings = await instance.poll({ signal: new AbortController().signal, now: Date.now, log });
    if (json) io.out(JSON.stringify(readings.map((r) => kind.probe!.json(r)), null, 2));
    else for (const r of readings) io.out(kind.probe.text(r));
    if (readings.length === 0 && kind.probe.none) {
      // It answered, but there is nothing the agent could measure there: not a success.
      io.err(`${hp.host.includes(':') ? `[${hp.host}]` : hp.host}:${hp.port} ${kind.probe.none}`);
      return 1;
    }
    return 0;
  } catch (err) {
    io.err(isCoded(err) ? err.message : `probe failed: ${err instanceof Error ? err.name : String(err)}`);
    return 1;
  } finally {
    instance.close();
  }
}
