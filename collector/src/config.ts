/**
 * The collector's one loadConfig(): YAML → zod → defaults filled, unknown keys
 * rejected, errors naming the field path, result frozen. Plain tokens in the
 * file are hashed at load so only hashes live in memory.
 */
import { z } from 'zod';
import { DcprobeError, E, deepFreeze, firstIssue, isValidTimeZone, readYamlFile, redact } from '@dcprobe/shared';
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
  heartbeatTimeoutSeconds: number;
  clockSkewWarnSeconds: number;
  logLevel: z.infer<typeof configSchema>['logLevel'];
  agents: readonly { id: string; tokenHash: string }[];
  apiTokens: readonly { name: string; role: Role; tokenHash: string }[];
  customers: readonly CustomerConfig[];
}

function duplicates(list: readonly { [k: string]: unknown }[], key: string, where: string): void {
  const seen = new Set<unknown>();
  list.forEach((x, i) => {
    if (seen.has(x[key])) throw new DcprobeError(E.CONFIG_INVALID, `${where}[${i}].${key}: duplicate ${JSON.stringify(x[key])}`);
    seen.add(x[key]);
  });
}

/**
 * Hashes each entry's secret, refusing one secret given twice: a token decides
 * which agent is speaking or which role a caller has, so two entries cannot share it.
 */
function secretHashes(list: readonly { token?: string | undefined; tokenHash?: string | undefined }[], where: string, why: string): string[] {
  const seen = new Map<string, number>();
  return list.map((x, i) => {
    const h = x.tokenHash ?? hashToken(x.token!);
    const first = seen.get(h);
    if (first !== undefined) {
      throw new DcprobeError(E.CONFIG_INVALID, `${where}[${i}].${x.tokenHash !== undefined ? 'tokenHash' : 'token'}: the same token as ${where}[${first}]; ${why}`);
    }
    seen.set(h, i);
    return h;
  });
}

function splitHostPort(s: string): { host: string; port: number } {
  const i = s.lastIndexOf(':');
  const port = Number(s.slice(i + 1));
  if (port > 65535) throw new DcprobeError(E.CONFIG_INVALID, `listen: port ${port} out of range`);
  return { host: s.slice(0, i).replace(/^\[|\]$/g, ''), port };
}

/** Validates an already-parsed config object. */
export function buildConfig(raw: unknown): Readonly<CollectorConfig> {
  const r = configSchema.safeParse(raw ?? {});
  if (!r.success) throw new DcprobeError(E.CONFIG_INVALID, firstIssue(r.error));
  const c = r.data;
  duplicates(c.agents, 'id', 'agents');
  duplicates(c.apiTokens, 'name', 'apiTokens');
  duplicates(c.customers, 'id', 'customers');
  const agentHashes = secretHashes(c.agents, 'agents', 'each agent needs its own');
  const apiHashes = secretHashes(c.apiTokens, 'apiTokens', 'one token has one role');
  const cfg: CollectorConfig = {
    listen: splitHostPort(c.listen),
    ...(c.tls ? { tls: c.tls } : {}),
    database: c.database,
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

/** The config as check-config prints it: secrets as `<secret>`. */
export function printableConfig(c: Readonly<CollectorConfig>): unknown {
  return redact(c);
}
