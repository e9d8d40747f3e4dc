/**
 * The collector's one loadConfig(): YAML → zod → defaults filled, unknown keys
 * rejected, errors naming the field path, result frozen. Plain tokens in the
 * file are hashed at load so only hashes live in memory.
 */
import { readFileSync } from 'node:fs';
import { createSecureContext } from 'node:tls';
import { z } from 'zod';
import { describeDatabase, parseDatabase } from './lib/database-url.ts';
import { allIssues, deepFreeze, invalidConfig, isValidTimeZone, readYamlFile, redact } from '@dcprobe/shared';
import { hashToken, TOKEN_HASH_RE } from './tokens.ts';

const hostPort = z.string().regex(/^(\[[0-9a-fA-F:]+\]|[A-Za-z0-9.-]+):\d{1,5}$/, 'expected HOST:PORT, e.g. 127.0.0.1:9470');

const secretRef = z.object({
  token: z.string().min(16, 'at least 16 characters').optional(),
  tokenHash: z.string().regex(TOKEN_HASH_RE, 'expected sha256:<64 hex digits> (see `dcprobe-collector hash-token`)').optional(),
});

const agentSchema = secretRef.extend({ id: z.string().regex(/^[A-Za-z0-9._-]{1,100}$/, 'letters, digits, . _ - only') }).strict()
  .refine((a) => (a.token === undefined) !== (a.tokenHash === undefined), { message: 'exactly one of token or tokenHash is required', path: ['token'] });

export const ROLES = ['read', 'write', 'admin'] as const;
export type Role = (typeof ROLES)[number];
const apiTokenSchema = secretRef.extend({ name: z.string().min(1), role: z.enum(ROLES) }).strict()
  .refine((a) => (a.token === undefined) !== (a.tokenHash === undefined), { message: 'exactly one of token or tokenHash is required', path: ['token'] });

const subject = z.string().regex(/^[^\s/]+\/\S+$/, 'expected <device>/<port-or-feed>');
const serviceTerms = z.object({
  target: z.number().gt(0).lt(1).optional(),
  maxDowntimeMinutes: z.number().positive().optional(),
}).strict();

export const customerSchema = z.object({
  id: z.string().regex(/^[A-Za-z0-9._-]{1,100}$/, 'letters, digits, . _ - only'),
  name: z.string().optional(),
  timezone: z.string().refine(isValidTimeZone, 'unknown IANA time zone').default('Asia/Shanghai'),
  network: z.object({
    ports: z.array(subject).min(1),
    redundancy: z.enum(['any', 'all']).default('any'),
    uplinks: z.array(subject).default([]),
  }).strict().optional(),
  power: z.object({ feeds: z.array(subject).min(1) }).strict().optional(),
  terms: z.object({
    network: serviceTerms.optional(),
    power: serviceTerms.optional(),
    reportDeadlineDays: z.number().positive().default(5),
    graceMinutes: z.number().nonnegative().default(10),
    unverified: z.enum(['count', 'exclude']).default('count'),
  }).strict().default({ reportDeadlineDays: 5, graceMinutes: 10, unverified: 'count' }),
}).strict().refine((c) => c.network || c.power, { message: 'a customer needs a network or a power service', path: ['network'] });

const configSchema = z.object({
  listen: hostPort.default('127.0.0.1:9470'),
  tls: z.object({ cert: z.string().min(1), key: z.string().min(1) }).strict().optional(),
  database: z.string().min(1).default('./data/dcprobe.sqlite'),
  /** PostgreSQL: how long a database that is down at start-up is waited for before the start fails. */
  databaseWaitSeconds: z.number().nonnegative().default(30),
  heartbeatTimeoutSeconds: z.number().positive().default(30),
  clockSkewWarnSeconds: z.number().positive().default(5),
  logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  agents: z.array(agentSchema).default([]),
  apiTokens: z.array(apiTokenSchema).default([]),
  customers: z.array(customerSchema).default([]),
}).strict();

export type CustomerConfig = z.infer<typeof customerSchema>;
export interface CollectorConfig {
  listen: { host: string; port: number };
  tls?: { cert: string; key: string };
  database: string;
  databaseWaitSeconds: number;
  heartbeatTimeoutSeconds: number;
  clockSkewWarnSeconds: number;
  logLevel: z.infer<typeof configSchema>['logLevel'];
  agents: readonly { id: string; tokenHash: string }[];
  apiTokens: readonly { name: string; role: Role; tokenHash: string }[];
  customers: readonly CustomerConfig[];
}

/** Entries of a raw list whose `key` repeats an earlier one's; read from the raw input, so they are found alongside schema errors. */
function duplicates(raw: unknown, list: string, key: string): string[] {
  const items = raw && typeof raw === 'object' ? (raw as Record<string, unknown>)[list] : undefined;
  if (!Array.isArray(items)) return [];
  const seen = new Set<unknown>();
  const out: string[] = [];
  items.forEach((x: unknown, i) => {
    const v = x && typeof x === 'object' ? (x as Record<string, unknown>)[key] : undefined;
    if (v === undefined) return;
    if (seen.has(v)) out.push(`${list}[${i}].${key}: duplicate ${JSON.stringify(v)}`);
    seen.add(v);
  });
  return out;
}

/**
 * Hashes each entry's secret, and names every secret given twice: a token decides
 * which agent is speaking or which role a caller has, so two entries cannot share it.
 */
function secretHashes(list: readonly { token?: string | undefined; tokenHash?: string | undefined }[], where: string, why: string, problems: string[]): string[] {
  const seen = new Map<string, number>();
  return list.map((x, i) => {
    const h = x.tokenHash ?? hashToken(x.token!);
    const first = seen.get(h);
    if (first !== undefined) problems.push(`${where}[${i}].${x.tokenHash !== undefined ? 'tokenHash' : 'token'}: the same token as ${where}[${first}]; ${why}`);
    else seen.set(h, i);
    return h;
  });
}

function splitHostPort(s: string): { host: string; port: number } {
  const i = s.lastIndexOf(':');
  return { host: s.slice(0, i).replace(/^\[|\]$/g, ''), port: Number(s.slice(i + 1)) };
}

/** Validates an already-parsed config object; the error lists every problem found, one per line. */
export function buildConfig(raw: unknown): Readonly<CollectorConfig> {
  const r = configSchema.safeParse(raw ?? {});
  const problems = r.success ? [] : allIssues(r.error);
  problems.push(...duplicates(raw, 'agents', 'id'), ...duplicates(raw, 'apiTokens', 'name'), ...duplicates(raw, 'customers', 'id'));
  const port = r.success ? splitHostPort(r.data.listen).port : 0;
  if (port > 65535) problems.push(`listen: port ${port} out of range`);
  if (r.success) {
    try {
      parseDatabase(r.data.database);
    } catch (e) {
      problems.push((e as Error).message); // already names the field, never the password
    }
  }
  if (!r.success) throw invalidConfig(problems);
  const c = r.data;
  const agentHashes = secretHashes(c.agents, 'agents', 'each agent needs its own', problems);
  const apiHashes = secretHashes(c.apiTokens, 'apiTokens', 'one token has one role', problems);
  if (problems.length > 0) throw invalidConfig(problems);
  const cfg: CollectorConfig = {
    listen: splitHostPort(c.listen),
    ...(c.tls ? { tls: c.tls } : {}),
    database: c.database,
    databaseWaitSeconds: c.databaseWaitSeconds,
    heartbeatTimeoutSeconds: c.heartbeatTimeoutSeconds,
    clockSkewWarnSeconds: c.clockSkewWarnSeconds,
    logLevel: c.logLevel,
    agents: c.agents.map((a, i) => ({ id: a.id, tokenHash: agentHashes[i]! })),
    apiTokens: c.apiTokens.map((a, i) => ({ name: a.name, role: a.role, tokenHash: apiHashes[i]! })),
    customers: c.customers,
  };
  return deepFreeze(cfg);
}

export function loadConfig(file: string): Readonly<CollectorConfig> {
  return buildConfig(readYamlFile(file));
}

/**
 * Checks what the config points at and validation cannot see: the TLS
 * certificate and key exist, are readable, and form a pair. One line per
 * problem; `check-config` and `run` share it.
 */
export function checkConfigFiles(c: Readonly<CollectorConfig>): string[] {
  if (!c.tls) return [];
  const problems: string[] = [];
  const read = (field: 'cert' | 'key'): Buffer | undefined => {
    try {
      return readFileSync(c.tls![field]);
    } catch (e) {
      problems.push(`tls.${field}: cannot read ${c.tls![field]} (${(e as NodeJS.ErrnoException).code ?? 'error'})`);
      return undefined;
    }
  };
  const cert = read('cert');
  const key = read('key');
  if (cert && key) {
    try {
      createSecureContext({ cert, key });
    } catch (e) {
      // OpenSSL's reason names the fault (no PEM data, key values mismatch); never the key itself.
      problems.push(`tls: ${c.tls.cert} and ${c.tls.key} are not a PEM certificate and its private key (${(e as Error).message.replace(/^error:[0-9A-F]+:/, '')})`);
    }
  }
  return problems;
}

/** The config as check-config prints it: secrets as `<secret>`. */
export function printableConfig(c: Readonly<CollectorConfig>): unknown {
  return redact({ ...c, database: describeDatabase(c.database) });
}
