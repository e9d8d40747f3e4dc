/**
 * The agent's one loadConfig(): YAML → zod → defaults filled, unknown keys
 * rejected, errors naming the field path (`targets[2].community: required for
 * version 2c`), result frozen. Each target is validated by the schema of its
 * kind from the SOURCES map (or the kinds a test passes), so a new kind needs
 * no change here.
 */
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { z } from 'zod';
import { E, SECRET_PLACEHOLDER, allIssues, deepFreeze, invalidConfig, readYamlFile, redact } from '@dcprobe/shared';
import { SOURCES } from './sources/index.ts';
import type { SourceKinds, TargetBase } from './sources/index.ts';
import { LOG_LEVELS, type LogLevel } from './log.ts';
import { checkV3User, v3UserSchema } from './snmp/target-schema.ts';

const hostPort = z.string().regex(/^(\[[0-9a-fA-F:]+\]|[A-Za-z0-9.-]+):\d{1,5}$/, { message: 'expected HOST:PORT, e.g. 127.0.0.1:9471', abort: true })
  .refine((s) => Number(s.slice(s.lastIndexOf(':') + 1)) <= 65535, 'port out of range');
const wsUrl = z.string().refine((s) => {
  try { const u = new URL(s); return (u.protocol === 'ws:' || u.protocol === 'wss:') && u.hostname !== ''; } catch { return false; }
}, 'expected a ws:// or wss:// URL, e.g. ws://collector:9470/agent');

/** A v3 user the trap receiver accepts: the same fields and checks as a polled target's user. */
const trapUser = v3UserSchema.superRefine((u, ctx) => checkV3User(u, ctx, []));

const agentId = z.string().regex(/^[A-Za-z0-9._-]{1,100}$/, 'letters, digits, . _ - only (at most 100)');

const configSchema = z.object({
  agentId,
  collectors: z.array(wsUrl).min(1, 'at least one collector URL'),
  token: z.string().min(16, 'at least 16 characters').optional(),
  tokenFile: z.string().min(1).optional(),
  caFile: z.string().min(1).optional(),
  dataDir: z.string().min(1).optional(),
  outbox: z.object({
    maxEvents: z.number().int().min(100, 'at least 100').default(1_000_000),
    warnAt: z.number().gt(0).lt(1, 'a fraction between 0 and 1').default(0.8),
  }).strict().default({ maxEvents: 1_000_000, warnAt: 0.8 }),
  heartbeatSeconds: z.number().positive().max(300).default(10),
  concurrency: z.number().int().min(1).max(1024).default(16),
  logLevel: z.enum(LOG_LEVELS).default('info'),
  metrics: z.object({ listen: hostPort.default('127.0.0.1:9471') }).strict().optional(),
  traps: z.object({
    listen: hostPort.default('0.0.0.0:1162'),
    communities: z.array(z.string().min(1)).default([]),
    users: z.array(trapUser).default([]),
  }).strict().refine((t) => t.communities.length + t.users.length > 0, {
    message: 'at least one community or user, or every trap would be dropped', path: ['communities'],
  }).optional(),
  targets: z.array(z.object({ kind: z.string() }).passthrough()).default([]),
}).strict().superRefine((c, ctx) => {
  if ((c.token === undefined) === (c.tokenFile === undefined)) {
    ctx.addIssue({ code: 'custom', path: ['token'], message: 'exactly one of token or tokenFile is required' });
  }
});

export type TrapUser = z.infer<typeof trapUser>;

export interface AgentConfig {
  agentId: string;
  collectors: readonly string[];
  /** The bearer token, read from tokenFile at load when that is how it was given. */
  token: string;
  tokenFile?: string;
  /** PEM file of the CA that signed the collector's certificate (wss with a private CA). */
  caFile?: string;
  /** Absolute; the outbox lives here. */
  dataDir: string;
  outbox: { maxEvents: number; warnAt: number };
  heartbeatSeconds: number;
  concurrency: number;
  logLevel: LogLevel;
  metrics?: { listen: string };
  traps?: { listen: string; communities: readonly string[]; users: readonly TrapUser[] };
  targets: readonly TargetBase[];
}

/** Plainer words than zod's defaults for the two commonest mistakes. */
const errorMap: z.core.$ZodErrorMap = (iss) => {
  if (iss.code === 'invalid_type' && iss.input === undefined) return 'required';
  if (iss.code === 'invalid_type') return `expected ${iss.expected}`;
  if (iss.code === 'too_small' || iss.code === 'too_big') {
    const bound = iss.code === 'too_small' ? `at least ${String(iss.minimum)}` : `at most ${String(iss.maximum)}`;
    const unit = iss.origin === 'string' ? ' characters' : iss.origin === 'array' ? ' items' : '';
    const strict = iss.inclusive === false ? (iss.code === 'too_small' ? 'more than ' : 'less than ') : '';
    return strict ? `${strict}${String(iss.code === 'too_small' ? iss.minimum : iss.maximum)}${unit}` : `${bound}${unit}`;
  }
  return undefined;
};

/** Each target by the schema of its kind; problems are collected, so check-config shows them all. */
function parseTargets(raw: readonly unknown[], kinds: SourceKinds, problems: string[]): TargetBase[] {
  const known = Object.keys(kinds).sort();
  const names = new Set<string>();
  const out: TargetBase[] = [];
  raw.forEach((t, i) => {
    const kind = t && typeof t === 'object' ? (t as { kind?: unknown }).kind : undefined;
    if (typeof kind !== 'string') return; // the top-level schema has said so
    const src = Object.hasOwn(kinds, kind) ? kinds[kind] : undefined;
    if (!src) { problems.push(`targets[${i}].kind: unknown kind ${JSON.stringify(kind)} (known: ${known.join(', ') || 'none'})`); return; }
    const r = src.schema.safeParse(t, { error: errorMap });
    if (!r.success) { problems.push(...allIssues(r.error, ['targets', i])); return; }
    if (names.has(r.data.name)) { problems.push(`targets[${i}].name: duplicate ${JSON.stringify(r.data.name)}`); return; }
    names.add(r.data.name);
    out.push(r.data);
  });
  return out;
}

function readToken(file: string): string {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw invalidConfig([`tokenFile: cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? 'error'}`], E.CONFIG_READ);
  }
  const token = text.trim();
  if (token.length < 16) throw invalidConfig([`tokenFile: ${file} must hold a token of at least 16 characters`]);
  return token;
}

/**
 * Validates an already-parsed config object; the error lists every problem
 * found, one per line. Relative paths (tokenFile,
 * caFile, dataDir) are taken from `baseDir`, the config file's directory.
 * `kinds`: the source kinds targets may use (tests add fakes to SOURCES).
 */
export function buildConfig(raw: unknown, baseDir = process.cwd(), kinds: SourceKinds = SOURCES): Readonly<AgentConfig> {
  const r = configSchema.safeParse(raw ?? {}, { error: errorMap });
  const problems = r.success ? [] : allIssues(r.error);
  const rawTargets = r.success ? r.data.targets : (raw as { targets?: unknown } | null)?.targets;
  const targets = parseTargets(Array.isArray(rawTargets) ? rawTargets : [], kinds, problems);
  if (!r.success || problems.length > 0) throw invalidConfig(problems);
  const c = r.data;
  const tokenFile = c.tokenFile === undefined ? undefined : resolve(baseDir, c.tokenFile);
  const cfg: AgentConfig = {
    agentId: c.agentId,
    collectors: c.collectors,
    token: tokenFile ? readToken(tokenFile) : c.token!,
    ...(tokenFile ? { tokenFile } : {}),
    ...(c.caFile ? { caFile: resolve(baseDir, c.caFile) } : {}),
    dataDir: resolve(baseDir, c.dataDir ?? `./data/agent-${c.agentId}`),
    outbox: c.outbox,
    heartbeatSeconds: c.heartbeatSeconds,
    concurrency: c.concurrency,
    logLevel: c.logLevel,
    ...(c.metrics ? { metrics: c.metrics } : {}),
    ...(c.traps ? { traps: c.traps } : {}),
    targets,
  };
  return deepFreeze(cfg);
}

export function loadConfig(file: string): Readonly<AgentConfig> {
  return buildConfig(readYamlFile(file), dirname(resolve(file)));
}

/** The config as check-config prints it: secrets as `<secret>`. */
export function printableConfig(c: Readonly<AgentConfig>): unknown {
  const out = redact(c) as AgentConfig;
  // Trap communities are a list of bare strings, which key-based redaction cannot see.
  if (out.traps) out.traps = { ...out.traps, communities: out.traps.communities.map(() => SECRET_PLACEHOLDER) };
  return out;
}

/** HOST:PORT → parts; IPv6 literals come in brackets. */
export function splitHostPort(s: string): { host: string; port: number } {
  const i = s.lastIndexOf(':');
  return { host: s.slice(0, i).replace(/^\[|\]$/g, ''), port: Number(s.slice(i + 1)) };
}

