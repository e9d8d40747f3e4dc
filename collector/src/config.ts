/**
 * The collector's one loadConfig(): YAML → zod → defaults filled, unknown keys
 * rejected, errors naming the field path, result frozen. Plain tokens in the
 * file are hashed at load so only hashes live in memory.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
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

const agentSchema = secretRef.extend({
  id: z.string().regex(/^[A-Za-z0-9._-]{1,100}$/, 'letters, digits, . _ - only'),
  /** Devices (the part of a subject before `/`) only this agent may report. */
  devices: z.array(z.string().regex(/^[^\s/]+$/, 'a device name: no white space, no /')).optional(),
}).strict()
  .refine((a) => (a.token === undefined) !== (a.tokenHash === undefined), { message: 'exactly one of token or tokenHash is required', path: ['token'] });

export const ROLES = ['read', 'write', 'admin', 'customer'] as const;
export type Role = (typeof ROLES)[number];
const customerId = z.string().regex(/^[A-Za-z0-9._-]{1,100}$/, 'letters, digits, . _ - only');
/** A customer token names its customer (one of `customers`); a NOC token names none. */
const apiTokenSchema = secretRef.extend({ name: z.string().min(1), role: z.enum(ROLES), customer: customerId.optional() }).strict()
  .refine((a) => (a.token === undefined) !== (a.tokenHash === undefined), { message: 'exactly one of token or tokenHash is required', path: ['token'] })
  .refine((a) => (a.role === 'customer') === (a.customer !== undefined), { message: 'required with role customer, and only with it', path: ['customer'] });

const subject = z.string().regex(/^[^\s/]+\/\S+$/, 'expected <device>/<port-or-feed>');
const serviceTerms = z.object({
  target: z.number().gt(0).lt(1).optional(),
  maxDowntimeMinutes: z.number().positive().optional(),
}).strict();

export const customerSchema = z.object({
  id: customerId,
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

/** What one peer may cost the collector; every bound has a default (docs/operations.md). */
const limitsSchema = z.object({
  eventClockSkewSeconds: z.number().nonnegative().default(86_400),
  historyDays: z.number().positive().default(3650),
  subjectsPerAgent: z.number().int().positive().default(10_000),
  connections: z.number().int().positive().default(1000),
  connectionsPerIp: z.number().int().positive().default(100),
  helloTimeoutSeconds: z.number().positive().default(10),
}).strict();
export type Limits = z.infer<typeof limitsSchema>;
const mailbox = z.string().regex(/^[^\s@<>"]+@[^\s@<>"]+$/, 'expected a plain e-mail address');

/** Where a customer's restoration notices (and statements) go; the webhook secret is a secret. */
const noticeChannelsSchema = z.object({
  customer: z.string().min(1),
  /** Send a drafted notice without waiting for the NOC to confirm it. */
  autoSend: z.boolean().default(false),
  webhook: z.object({
    url: z.string().url('expected an https URL (http only to loopback)'),
    secret: z.string().regex(/^whsec_[A-Za-z0-9+/]+={0,2}$/, 'expected whsec_<base64> (see docs/customer-evidence.md)'),
  }).strict().optional(),
  email: z.object({ to: z.array(mailbox).min(1) }).strict().optional(),
}).strict();

const noticesSchema = z.object({
  /** How long the measured service must stay up, without a break, before the notice is drafted. */
  settlingSeconds: z.number().nonnegative().default(900),
  /** How often open reports are checked for a measured recovery. */
  checkIntervalSeconds: z.number().positive().default(30),
  /** Bound on one delivery attempt. */
  attemptTimeoutSeconds: z.number().positive().default(30),
  retry: z.object({
    firstDelaySeconds: z.number().positive().default(30),
    maxDelaySeconds: z.number().positive().default(3600),
    maxAttempts: z.number().int().positive().default(30),
    maxAgeHours: z.number().positive().default(72),
  }).strict().default({ firstDelaySeconds: 30, maxDelaySeconds: 3600, maxAttempts: 30, maxAgeHours: 72 }),
  smtp: z.object({
    host: z.string().min(1),
    port: z.number().int().min(1).max(65535).default(25),
    secure: z.boolean().default(false),
    requireTls: z.boolean().default(false),
    user: z.string().min(1).optional(),
    password: z.string().min(1).optional(),
    from: mailbox,
    fromName: z.string().optional(),
  }).strict().optional(),
  customers: z.array(noticeChannelsSchema).default([]),
}).strict();

export type NoticesConfig = z.infer<typeof noticesSchema>;
export type NoticeChannelsConfig = z.infer<typeof noticeChannelsSchema>;

/** Month-end statements: frozen for every customer when its month ends in its own time zone. */
const statementsSchema = z.object({
  /** Wait after the month's end (late events from agents' outboxes) before freezing. */
  delaySeconds: z.number().nonnegative().default(3600),
  /** The longest the scheduler sleeps before looking at the clock again. */
  checkIntervalSeconds: z.number().positive().default(3600),
  /** Bound on rendering one PDF with headless Chromium. */
  renderTimeoutSeconds: z.number().positive().default(120),
  /** Named in each statement's evidence block. */
  issuer: z.string().min(1).optional(),
  /** The provider's Ed25519 private key (PEM, mode 0600) that signs each statement's evidence; absent: digest only. */
  signingKeyFile: z.string().min(1).optional(),
}).strict();

export type StatementsConfig = z.infer<typeof statementsSchema>;

const configSchema = z.object({
  listen: hostPort.default('127.0.0.1:9470'),
  tls: z.object({ cert: z.string().min(1), key: z.string().min(1) }).strict().optional(),
  database: z.string().min(1).default('./data/dcprobe.sqlite'),
  /** PostgreSQL: how long a database that is down at start-up is waited for before the start fails. */
  databaseWaitSeconds: z.number().nonnegative().default(30),
  heartbeatTimeoutSeconds: z.number().positive().default(30),
  clockSkewWarnSeconds: z.number().positive().default(5),
  limits: limitsSchema.default(limitsSchema.parse({})),
  logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  agents: z.array(agentSchema).default([]),
  apiTokens: z.array(apiTokenSchema).default([]),
  /** The key that signs share links (http/share-links.ts); default: share-link.key beside a SQLite database. */
  shareLinkKeyFile: z.string().min(1).optional(),
  customers: z.array(customerSchema).default([]),
  notices: noticesSchema.optional(),
  statements: statementsSchema.optional(),
}).strict();

export type CustomerConfig = z.infer<typeof customerSchema>;
export interface CollectorConfig {
  listen: { host: string; port: number };
  tls?: { cert: string; key: string };
  database: string;
  databaseWaitSeconds: number;
  heartbeatTimeoutSeconds: number;
  clockSkewWarnSeconds: number;
  limits: Readonly<Limits>;
  logLevel: z.infer<typeof configSchema>['logLevel'];
  agents: readonly { id: string; tokenHash: string; devices?: readonly string[] }[];
  apiTokens: readonly { name: string; role: Role; customer?: string; tokenHash: string }[];
  customers: readonly CustomerConfig[];
  /** Made (0600) on first start when missing; null (in-memory or PostgreSQL database without one named): a key for this run only. */
  shareLinkKeyFile: string | null;
  /** Restoration notices and their delivery; absent: none are drafted. */
  notices?: NoticesConfig;
  /** Month-end statements; absent: none are frozen. */
  statements?: StatementsConfig;
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

/** A device is reported by one agent: the same device under two agents is a mistake in the config. */
function sharedDevices(agents: readonly { id: string; devices?: string[] | undefined }[]): string[] {
  const first = new Map<string, number>();
  const out: string[] = [];
  agents.forEach((a, i) => (a.devices ?? []).forEach((d, j) => {
    const k = first.get(d);
    if (k !== undefined && k !== i) out.push(`agents[${i}].devices[${j}]: ${JSON.stringify(d)} is already agents[${k}]'s`);
    else first.set(d, i);
  }));
  return out;
}

/** A channel list names each customer once; e-mail needs the relay; SMTP credentials come as a pair. */
function noticeProblems(n: NoticesConfig | undefined): string[] {
  if (!n) return [];
  const out: string[] = [];
  const seen = new Set<string>();
  n.customers.forEach((c, i) => {
    if (seen.has(c.customer)) out.push(`notices.customers[${i}].customer: duplicate ${JSON.stringify(c.customer)}`);
    seen.add(c.customer);
    if (c.email && !n.smtp) out.push(`notices.customers[${i}].email: needs notices.smtp (the relay to send through)`);
    if (!c.webhook && !c.email) out.push(`notices.customers[${i}]: needs a webhook or an email channel`);
  });
  if (n.smtp && (n.smtp.user === undefined) !== (n.smtp.password === undefined)) out.push('notices.smtp: user and password go together');
  return out;
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
  if (r.success) problems.push(...sharedDevices(r.data.agents), ...noticeProblems(r.data.notices));
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
  // Checked here, once and offline (check-config): a customer made later through the API gets its tokens through the API.
  const known = new Set(c.customers.map((x) => x.id));
  c.apiTokens.forEach((t, i) => {
    if (t.customer !== undefined && !known.has(t.customer)) problems.push(`apiTokens[${i}].customer: ${JSON.stringify(t.customer)} is not among customers (tokens for customers made through the API are made through the API)`);
  });
  if (problems.length > 0) throw invalidConfig(problems);
  const cfg: CollectorConfig = {
    listen: splitHostPort(c.listen),
    ...(c.tls ? { tls: c.tls } : {}),
    database: c.database,
    databaseWaitSeconds: c.databaseWaitSeconds,
    heartbeatTimeoutSeconds: c.heartbeatTimeoutSeconds,
    clockSkewWarnSeconds: c.clockSkewWarnSeconds,
    limits: c.limits,
    logLevel: c.logLevel,
    agents: c.agents.map((a, i) => ({ id: a.id, tokenHash: agentHashes[i]!, ...(a.devices ? { devices: a.devices } : {}) })),
    apiTokens: c.apiTokens.map((a, i) => ({ name: a.name, role: a.role, ...(a.customer !== undefined ? { customer: a.customer } : {}), tokenHash: apiHashes[i]! })),
    customers: c.customers,
    // Beside a SQLite file; a postgres:// URL has no directory (its own text, password included, must not become a path):
    // a key for this run only, unless shareLinkKeyFile names one, the same file on every collector of the database.
    shareLinkKeyFile: c.shareLinkKeyFile ?? (c.database === ':memory:' || parseDatabase(c.database).kind === 'postgres' ? null : join(dirname(c.database), 'share-link.key')),
    ...(c.notices ? { notices: c.notices } : {}),
    ...(c.statements ? { statements: c.statements } : {}),
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
