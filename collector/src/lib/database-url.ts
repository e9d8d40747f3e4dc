/**
 * The `database:` setting: a file path (the embedded SQLite store) or a
 * `postgres://` / `postgresql://` URL; anything else that looks like a URL
 * is a config error naming the field, never a file called `mysql:` in the
 * working directory. Parsed here, below the config, so loadConfig refuses a
 * bad value before anything starts; the store connects with the result
 * (store/postgres/connect.ts).
 *
 * The password never appears in a message: the target prints as
 * `postgres://user:<secret>@host:port/db`, and a URL that does not parse is
 * not echoed at all (Node's URL error carries its input).
 */
import { userInfo } from 'node:os';
import { DcprobeError, E, SECRET_PLACEHOLDER } from '@dcprobe/shared';

export interface PgTarget {
  /** A host name or address, or a unix-socket directory (starts with `/`). */
  host: string;
  port: number;
  user: string;
  password: string | undefined;
  database: string;
  ssl: false | { rejectUnauthorized: boolean };
}

export type DatabaseTarget = { kind: 'sqlite'; file: string } | { kind: 'postgres'; target: PgTarget };

export const FIELD = 'database';
/** `scheme:` at the start; two letters at least, so `C:\data` stays a path. */
const SCHEME = /^([a-z][a-z0-9+.-]+):/i;
const SSLMODES: Record<string, PgTarget['ssl']> = {
  disable: false, require: { rejectUnauthorized: false }, 'verify-ca': { rejectUnauthorized: true }, 'verify-full': { rejectUnauthorized: true },
};
const PARAMS = new Set(['sslmode', 'host']);

/** Parses `database:`; throws CONFIG_INVALID naming the field. */
export function parseDatabase(value: string): DatabaseTarget {
  const scheme = SCHEME.exec(value)?.[1]?.toLowerCase();
  if (scheme === undefined) return { kind: 'sqlite', file: value };
  if (scheme !== 'postgres' && scheme !== 'postgresql') {
    throw bad(`unknown scheme "${scheme}:": give a file path (SQLite) or a postgres:// URL`);
  }
  let u: URL;
  try {
    u = new URL(value);
  } catch {
    throw bad('not a valid postgres:// URL'); // the input is not echoed: it may hold the password
  }
  for (const k of u.searchParams.keys()) if (!PARAMS.has(k)) throw bad(`unknown URL parameter "${k}" (known: ${[...PARAMS].join(', ')})`);
  const socketDir = u.searchParams.get('host');
  const host = socketDir ?? decode(u.hostname.replace(/^\[(.*)\]$/, '$1'), 'host');
  if (!host) throw bad('the URL names no host');
  const database = decode(u.pathname.replace(/^\//, ''), 'database name');
  if (!database || database.includes('/')) throw bad('the URL names no database (postgres://user@host:5432/NAME)');
  const sslmode = u.searchParams.get('sslmode') ?? 'disable';
  const ssl = SSLMODES[sslmode];
  if (ssl === undefined) throw bad(`sslmode "${sslmode}" is not one of ${Object.keys(SSLMODES).join(', ')}`);
  return {
    kind: 'postgres',
    target: {
      host, port: u.port ? Number(u.port) : 5432, database, ssl,
      // As libpq: no user in the URL means the operating-system user.
      user: decode(u.username, 'user') || userInfo().username,
      password: u.password ? decode(u.password, 'password') : undefined,
    },
  };
}

function bad(why: string): DcprobeError {
  return new DcprobeError(E.CONFIG_INVALID, `${FIELD}: ${why}`);
}

function decode(s: string, what: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    throw bad(`the ${what} in the URL has a malformed %-escape`);
  }
}

/** The target for messages and logs: the password as `<secret>`. */
export function describeTarget(t: PgTarget): string {
  const pw = t.password === undefined ? '' : `:${SECRET_PLACEHOLDER}`;
  const socket = t.host.startsWith('/');
  const host = socket ? '' : t.host.includes(':') ? `[${t.host}]` : t.host;
  return `postgres://${encodeURIComponent(t.user)}${pw}@${host}:${t.port}/${encodeURIComponent(t.database)}${socket ? `?host=${t.host}` : ''}`;
}

/** `database:` for logs and printed configs: a file path as it is, a URL with its password as `<secret>`. */
export function describeDatabase(value: string): string {
  try {
    const t = parseDatabase(value);
    return t.kind === 'sqlite' ? t.file : describeTarget(t.target);
  } catch {
    return SECRET_PLACEHOLDER; // unparseable: it may hold a password, so print none of it
  }
}
