/**
 * A promise-based NUT client: one connection per upsd reused across polls,
 * commands sent one after another on it, each with a timeout. A timeout or a
 * broken stream drops the connection; the next command opens a fresh one
 * (STARTTLS and login again).
 *
 * Written here rather than taken from npm: the only NUT client on the registry
 * (`node-nut`) frames replies by TCP chunk instead of by line, has no STARTTLS,
 * no timeouts and leaks globals, so it cannot be trusted to read a LIST that
 * arrives in two packets.
 */
import { isIP } from 'node:net';
import type { ConnectionOptions } from 'node:tls';
import { E } from '@dcprobe/shared';
import { LineConn } from './conn.ts';
import { NutError, describeServer } from './errors.ts';
import { listBlock, oneLine, quoteArg, upsList, varList } from './protocol.ts';
import type { Reader } from './protocol.ts';

/**
 * `off`: plain TCP; credentials, if configured, go in clear.
 * `try`: STARTTLS first; if upsd refuses it, the session goes on in clear
 *   WITHOUT USERNAME/PASSWORD (read-only, which upsd allows for LIST/GET by
 *   default). A refusal is one unauthenticated line anyone on the path can
 *   forge, so it must never make the client send the password in clear.
 * `require`: STARTTLS or nothing. The setting for targets with credentials.
 */
export type NutTls = 'off' | 'try' | 'require';

export interface NutClientOptions {
  host: string;
  port: number;
  /** Per command (and per connect / handshake). */
  timeoutMs: number;
  tls: NutTls;
  username?: string | undefined;
  password?: string | undefined;
  /** PEM text of the CA that signed upsd's certificate; the system CAs otherwise. */
  ca?: string | undefined;
  /** false skips certificate checks (a lab upsd with a self-signed cert); default true. */
  verifyCert?: boolean | undefined;
}

/** upsd answers these when it has no TLS: with tls 'try' the session stays in clear, without logging in. */
const NO_TLS = new Set(['FEATURE-NOT-CONFIGURED', 'FEATURE-NOT-SUPPORTED', 'UNKNOWN-COMMAND', 'INVALID-ARGUMENT']);
/** upsd's answers to a command that needs a login. */
const NEEDS_LOGIN = new Set(['ACCESS-DENIED', 'USERNAME-REQUIRED', 'PASSWORD-REQUIRED']);

const ok = oneLine((w) => (w[0] === 'OK' ? true : undefined));

export class NutClient {
  readonly where: string;
  /** Whether the current connection runs over TLS (for evidence and probe output). */
  tlsActive = false;
  /** tls 'try', upsd refused STARTTLS: the configured credentials were not sent on the current connection. */
  credentialsWithheld = false;
  private conn: LineConn | null = null;
  private opening: Promise<LineConn> | null = null;
  private queue: Promise<unknown> = Promise.resolve();
  private closed = false;

  constructor(private readonly opts: NutClientOptions) {
    this.where = describeServer(opts.host, opts.port);
  }

  /** LIST UPS → name → description. */
  listUps(): Promise<Map<string, string>> {
    return this.run('LIST UPS', listBlock('UPS'), 'LIST UPS').then(upsList);
  }

  /** LIST VAR <ups> → variable → value (as text). */
  listVars(ups: string): Promise<Map<string, string>> {
    const q = `VAR ${ups}`;
    return this.run(`LIST ${q}`, listBlock(q), `LIST ${q}`).then((items) => varList(ups, items));
  }

  /** GET VAR <ups> <name> → value. */
  getVar(ups: string, name: string): Promise<string> {
    const reader = oneLine((w) => (w[0] === 'VAR' && w[1] === ups && w[2] === name ? (w[3] ?? '') : undefined));
    return this.run(`GET VAR ${quoteArg(ups)} ${quoteArg(name)}`, reader, `GET VAR ${ups} ${name}`);
  }

  /** Drops the current connection (a command in flight rejects); the next command reconnects. */
  reset(): void {
    this.conn?.close();
    this.conn = null;
  }

  /** Drops the connection (LOGOUT when idle); later calls reject. */
  close(): void {
    this.closed = true;
    this.conn?.close();
    this.conn = null;
  }

  private run<T>(line: string, reader: Reader<T>, label: string): Promise<T> {
    const job = async (): Promise<T> => {
      const conn = await this.connection();
      return conn.request(line, reader, this.opts.timeoutMs, label).catch((e: unknown) => { throw this.explain(e); });
    };
    // Serialise: each command waits for the previous one to finish, whatever its outcome.
    const p = this.queue.then(job, job);
    this.queue = p.catch(() => {});
    return p;
  }

  private async connection(): Promise<LineConn> {
    if (this.closed) throw new NutError(E.NUT_ERROR, 'CONNECTION-CLOSED', `${this.where}: client closed`);
    if (this.conn?.alive) return this.conn;
    this.conn = null;
    this.opening ??= this.open().finally(() => { this.opening = null; });
    this.conn = await this.opening;
    return this.conn;
  }

  private async open(): Promise<LineConn> {
    const { host, port, timeoutMs } = this.opts;
    const conn = await LineConn.open(host, port, timeoutMs, this.where);
    try {
      this.tlsActive = await this.maybeStartTls(conn);
      // tls 'try' and STARTTLS refused: never the password in clear (see NutTls).
      this.credentialsWithheld = !this.tlsActive && this.opts.tls === 'try' && (this.opts.username !== undefined || this.opts.password !== undefined);
      if (this.credentialsWithheld) return conn;
      if (this.opts.username !== undefined) {
        await conn.request(`USERNAME ${quoteArg(this.opts.username)}`, ok, timeoutMs, 'USERNAME');
      }
      if (this.opts.password !== undefined) {
        await conn.request(`PASSWORD ${quoteArg(this.opts.password)}`, ok, timeoutMs, 'PASSWORD <secret>');
      }
      return conn;
    } catch (e) {
      conn.close();
      throw e;
    }
  }

  /** A command refused for want of a login whose credentials were withheld says why, and what to change. */
  private explain(e: unknown): unknown {
    if (!this.credentialsWithheld || !(e instanceof NutError) || !NEEDS_LOGIN.has(e.nutName)) return e;
    return new NutError(e.code as typeof E.NUT_ERROR, e.nutName,
      `${e.message}; upsd refused STARTTLS, and with tls: try the credentials are never sent in clear (use tls: require with TLS on upsd)`, { cause: e });
  }

  private async maybeStartTls(conn: LineConn): Promise<boolean> {
    if (this.opts.tls === 'off') return false;
    try {
      await conn.request('STARTTLS', oneLine((w) => (w[0] === 'OK' && w[1] === 'STARTTLS' ? true : undefined)), this.opts.timeoutMs, 'STARTTLS');
    } catch (e) {
      if (this.opts.tls === 'try' && e instanceof NutError && NO_TLS.has(e.nutName)) return false;
      throw e;
    }
    // host is what the certificate is checked against (a name or an IP SAN).
    const tlsOpts: ConnectionOptions = { host: this.opts.host, rejectUnauthorized: this.opts.verifyCert !== false };
    if (this.opts.ca !== undefined) tlsOpts.ca = this.opts.ca;
    if (isIP(this.opts.host) === 0) tlsOpts.servername = this.opts.host;
    await conn.startTls(tlsOpts, this.opts.timeoutMs);
    return true;
  }
}
