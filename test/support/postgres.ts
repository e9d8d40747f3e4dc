/**
 * A private PostgreSQL 15 cluster per test file (Debian `postgresql-15`).
 *
 *   const pg = usePostgresCluster();          // in a test file: started in beforeAll, removed in afterAll
 *   const url = await pg().createDatabase();  // a fresh database: postgres://postgres:<pw>@127.0.0.1:<port>/<db>
 *   await pg().psql('SELECT 1', db)           // psql over the cluster's own socket (trust), rows as text
 *   await pg().stop('immediate'); await pg().start();   // "PostgreSQL restarted mid-stream"
 *
 *   startCluster() → Cluster   the same without vitest hooks (benchmarks, child scripts)
 *
 * Layout: one temp dir `dcprobe-pg-<pid>-XXXX` owned by `postgres` (initdb and
 * the server refuse root), holding the data dir, the unix socket and the log.
 * The server listens on 127.0.0.1 on a free port with fsync and
 * synchronous_commit on: a COMMIT that returned survives a crash of the
 * server, which is what the store's ack promises. TCP connections need the
 * superuser's password (scram-sha-256, a random one per cluster), so the
 * client's password path is real; the socket is trust, for the fixture itself.
 *
 * Cleanup: `remove()` in afterAll, even after a failed test; as a backstop the
 * cluster is stopped (-m immediate) and its dir deleted when the test process
 * exits, and `startCluster` first removes clusters whose test process is gone
 * (SIGKILLed runs). Only clusters under this machine's temp dir whose owner
 * PID is dead are touched, each by its own data dir (pg_ctl -D), never by name.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chownSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { onProcessExit, pidAlive, run } from './procs.ts';
import { freeTcpPort } from './ports.ts';

const BIN = '/usr/lib/postgresql/15/bin';
const PREFIX = 'dcprobe-pg-';

/** The database name of a URL createDatabase gave (its last path segment), for psql. */
export const databaseOf = (url: string): string => url.slice(url.lastIndexOf('/') + 1);

export interface Cluster {
  readonly dir: string;
  readonly port: number;
  /** The superuser's password for TCP connections (the socket needs none). */
  readonly password: string;
  /** How long the first start took, ms: initdb and pg_ctl start, apart. */
  readonly timings: { initdbMs: number; startMs: number };
  /** postgres://postgres:<password>@127.0.0.1:<port>/<db> */
  url(db: string, user?: string, password?: string): string;
  /** A new empty database with a unique name; returns its URL. */
  createDatabase(prefix?: string): Promise<string>;
  /** Runs SQL through psql on the socket (superuser, trust); output rows as `a|b` lines. */
  psql(sql: string, db?: string): Promise<string>;
  /** The postmaster's PID, or null when stopped. */
  postmasterPid(): number | null;
  stop(mode?: 'immediate' | 'fast'): Promise<void>;
  /** Starts the same data dir on the same port again. */
  start(): Promise<void>;
  /** Stops (immediate) and deletes everything; idempotent. */
  remove(): Promise<void>;
}

export interface ClusterOptions {
  /** Extra server settings (`-c name=value`), e.g. `{ wal_writer_delay: '10s' }`. */
  settings?: Record<string, string>;
}

/** In a test file: one cluster for the whole file, removed after its last test whatever happened. */
export function usePostgresCluster(opts: ClusterOptions = {}): () => Cluster {
  let c: Cluster | null = null;
  beforeAll(async () => { c = await startCluster(opts); }, 60_000);
  afterAll(async () => { await c?.remove(); }, 60_000);
  return () => {
    if (!c) throw new Error('PostgreSQL cluster not started (usePostgresCluster must be called at the top of the file)');
    return c;
  };
}

function pgAs(cmd: string, args: readonly string[], timeoutMs = 60_000) {
  return run('runuser', ['-u', 'postgres', '--', join(BIN, cmd), ...args], { timeoutMs });
}

export async function startCluster(opts: ClusterOptions = {}): Promise<Cluster> {
  sweepOrphans();
  const dir = mkdtempSync(join(tmpdir(), `${PREFIX}${process.pid}-`));
  const data = join(dir, 'data');
  const password = randomBytes(12).toString('hex');
  let state: 'stopped' | 'running' | 'removed' = 'stopped';
  const unregister = onProcessExit(() => { if (state !== 'removed') removeNow(dir, data); });
  let port = 0;
  try {
    const pgUser = idOf('postgres');
    chownSync(dir, pgUser.uid, pgUser.gid);
    writeFileSync(join(dir, 'pw'), `${password}\n`, { mode: 0o600 });
    chownSync(join(dir, 'pw'), pgUser.uid, pgUser.gid);
    const t0 = performance.now();
    // --no-sync: the template files need no fsync for a throwaway cluster; the server itself runs with fsync on.
    await pgAs('initdb', ['-D', data, '-U', 'postgres', '--pwfile', join(dir, 'pw'), '--auth-local=trust', '--auth-host=scram-sha-256',
      '-E', 'UTF8', '--locale=C', '--no-sync']);
    const initdbMs = performance.now() - t0;
    rmSync(join(dir, 'pw'));
    const t1 = performance.now();
    port = await startOnFreePort(dir, data, opts.settings ?? {});
    state = 'running';
    const startMs = performance.now() - t1;
    let dbs = 0;
    const cluster: Cluster = {
      dir, port, password, timings: { initdbMs, startMs },
      url: (db, user = 'postgres', pw = password) => `postgres://${encodeURIComponent(user)}:${encodeURIComponent(pw)}@127.0.0.1:${port}/${db}`,
      async createDatabase(prefix = 'test') {
        const name = `${prefix}_${++dbs}_${randomBytes(3).toString('hex')}`;
        await cluster.psql(`CREATE DATABASE ${name}`);
        return cluster.url(name);
      },
      async psql(sql, db = 'postgres') {
        const r = await run(join(BIN, 'psql'), ['-h', dir, '-p', String(port), '-U', 'postgres', '-d', db, '-X', '-A', '-t', '-q', '-v', 'ON_ERROR_STOP=1', '-c', sql]);
        return r.stdout.trim();
      },
      postmasterPid: () => (state === 'running' ? postmasterPid(data) : null),
      async stop(mode = 'immediate') {
        if (state !== 'running') return;
        await pgAs('pg_ctl', ['-D', data, 'stop', '-m', mode, '-w', '-t', '30']);
        state = 'stopped';
      },
      async start() {
        if (state !== 'stopped') return;
        await pgCtlStart(dir, data, port, opts.settings ?? {});
        state = 'running';
      },
      async remove() {
        if (state === 'removed') return;
        state = 'removed';
        removeNow(dir, data);
        unregister();
      },
    };
    return cluster;
  } catch (e) {
    state = 'removed';
    removeNow(dir, data);
    unregister();
    throw e;
  }
}

type Settings = Record<string, string>;

function serverOptions(dir: string, port: number, settings: Settings): string {
  return [`-p ${port}`, `-k ${dir}`, '-c listen_addresses=127.0.0.1', '-c fsync=on', '-c synchronous_commit=on',
    ...Object.entries(settings).map(([k, v]) => `-c ${k}=${v}`)].join(' ');
}

function pgCtlStart(dir: string, data: string, port: number, settings: Settings) {
  return pgAs('pg_ctl', ['-D', data, '-o', serverOptions(dir, port, settings), '-l', join(dir, 'log'), '-w', '-t', '30', 'start']);
}

/** The port is free when asked and may be taken before the server binds it: try a few. */
async function startOnFreePort(dir: string, data: string, settings: Settings): Promise<number> {
  let last: unknown;
  for (let i = 0; i < 5; i++) {
    const port = await freeTcpPort();
    try {
      await pgCtlStart(dir, data, port, settings);
      return port;
    } catch (e) {
      last = e;
    }
  }
  throw new Error(`PostgreSQL would not start in ${dir}: ${(last as Error).message}`);
}

function postmasterPid(data: string): number | null {
  try {
    const pid = Number(readFileSync(join(data, 'postmaster.pid'), 'utf8').split('\n', 1)[0]);
    return Number.isInteger(pid) && pid > 0 ? pid : null;
  } catch {
    return null;
  }
}

/** Synchronous, so it can run from an exit hook: stop the server by its data dir, delete the dir. */
function removeNow(dir: string, data: string): void {
  const pid = postmasterPid(data);
  if (pid !== null) {
    try {
      execFileSync('runuser', ['-u', 'postgres', '--', join(BIN, 'pg_ctl'), '-D', data, 'stop', '-m', 'immediate', '-w', '-t', '30'], { stdio: 'ignore' });
    } catch {
      // pg_ctl failed: never leave a server running on a deleted dir; its backends follow the postmaster.
      try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ }
    }
  }
  rmSync(dir, { recursive: true, force: true });
}

/** Clusters left by test processes that died without their exit hooks (SIGKILL). */
function sweepOrphans(): void {
  for (const name of readdirSync(tmpdir())) {
    const m = /^dcprobe-pg-(\d+)-/.exec(name);
    if (!m || pidAlive(Number(m[1]))) continue;
    const dir = join(tmpdir(), name);
    removeNow(dir, join(dir, 'data'));
  }
}

/** uid and gid of a user, for chown. */
function idOf(user: string): { uid: number; gid: number } {
  const n = (flag: string) => Number(execFileSync('id', [flag, user], { encoding: 'utf8' }));
  return { uid: n('-u'), gid: n('-g') };
}
