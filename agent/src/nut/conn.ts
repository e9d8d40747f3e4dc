/**
 * One TCP (optionally STARTTLS-upgraded) connection to upsd with line framing:
 * bytes in, lines out to the one reader currently waiting. Socket events become
 * promise rejections here, once; nothing throws inside a callback.
 */
import { connect as tcpConnect, type Socket } from 'node:net';
import { connect as tlsConnect, type ConnectionOptions, type TLSSocket } from 'node:tls';
import { E } from '@dcprobe/shared';
import { NutError, LOCAL_NAMES } from './errors.ts';
import type { Reader } from './protocol.ts';

/** upsd lines are short (a few hundred bytes); anything this long is not upsd. */
const MAX_LINE = 64 * 1024;

interface Pending {
  reader: Reader<unknown>;
  resolve(v: unknown): void;
  reject(e: Error): void;
  label: string;
  timer: NodeJS.Timeout;
}

export class LineConn {
  private sock: Socket | TLSSocket;
  private buf = '';
  private pending: Pending | null = null;
  private dead: NutError | null = null;
  private readonly onData = (chunk: string) => this.feed(chunk);

  private constructor(sock: Socket, private readonly where: string) {
    this.sock = sock;
    this.attach(sock);
  }

  /** Opens the TCP connection, failing with NUT_TIMEOUT / NUT_ERROR (CONNECT-FAILED). */
  static open(host: string, port: number, timeoutMs: number, where: string): Promise<LineConn> {
    return new Promise((resolve, reject) => {
      const sock = tcpConnect({ host, port });
      const timer = setTimeout(() => {
        sock.destroy();
        reject(new NutError(E.NUT_TIMEOUT, 'TIMEOUT', `${where}: no connection within ${timeoutMs} ms`));
      }, timeoutMs);
      sock.once('error', (err: NodeJS.ErrnoException) => {
        clearTimeout(timer);
        reject(new NutError(E.NUT_ERROR, LOCAL_NAMES.connect, `${where}: cannot connect: ${err.code ?? err.message}`, { cause: err }));
      });
      sock.once('connect', () => {
        clearTimeout(timer);
        sock.removeAllListeners('error');
        sock.setNoDelay(true);
        resolve(new LineConn(sock, where));
      });
    });
  }

  get alive(): boolean {
    return this.dead === null;
  }

  private attach(s: Socket | TLSSocket): void {
    s.setEncoding('utf8');
    s.on('data', this.onData);
    s.on('error', (err: NodeJS.ErrnoException) => this.fail(new NutError(E.NUT_ERROR, LOCAL_NAMES.closed, `${this.where}: connection error: ${err.code ?? err.message}`, { cause: err })));
    s.on('close', () => this.fail(new NutError(E.NUT_ERROR, LOCAL_NAMES.closed, `${this.where}: connection closed`)));
  }

  private feed(chunk: string): void {
    this.buf += chunk;
    let nl: number;
    while ((nl = this.buf.indexOf('\n')) >= 0) {
      const line = this.buf.slice(0, nl).replace(/\r$/, '');
      this.buf = this.buf.slice(nl + 1);
      this.deliver(line);
    }
    if (this.buf.length > MAX_LINE) {
      this.fail(new NutError(E.NUT_ERROR, LOCAL_NAMES.tooLong, `${this.where}: reply line longer than ${MAX_LINE} bytes`));
    }
  }

  private deliver(line: string): void {
    const p = this.pending;
    // A line nobody asked for means the stream is out of step: drop the connection.
    if (!p) {
      this.fail(new NutError(E.NUT_ERROR, LOCAL_NAMES.unexpected, `${this.where}: unsolicited reply`));
      return;
    }
    const step = p.reader(line);
    if (!step.done) return;
    this.pending = null;
    clearTimeout(p.timer);
    if ('nutError' in step) {
      const shown = step.nutError === LOCAL_NAMES.unexpected ? `unexpected reply ${JSON.stringify(line.slice(0, 80))}` : `ERR ${step.nutError}`;
      p.reject(new NutError(E.NUT_ERROR, step.nutError, `${this.where}: ${shown} (${p.label})`));
    } else {
      p.resolve(step.value);
    }
  }

  /**
   * Sends one command line and reads its reply. `label` is what error messages
   * show for the command (never a password). One request at a time: the
   * client serialises them.
   */
  request<T>(line: string, reader: Reader<T>, timeoutMs: number, label: string): Promise<T> {
    if (this.dead) return Promise.reject(this.dead);
    if (this.pending) return Promise.reject(new Error('LineConn: request while another is pending'));
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        const e = new NutError(E.NUT_TIMEOUT, 'TIMEOUT', `${this.where}: no reply within ${timeoutMs} ms (${label})`);
        // The reply may still arrive later and would be read as the next one's: close instead.
        this.fail(e);
      }, timeoutMs);
      this.pending = { reader: reader as Reader<unknown>, resolve: resolve as (v: unknown) => void, reject, label, timer };
      this.sock.write(`${line}\n`);
    });
  }

  /** Upgrades to TLS after upsd answered `OK STARTTLS`. */
  startTls(opts: ConnectionOptions, timeoutMs: number): Promise<void> {
    const raw = this.sock as Socket;
    raw.removeAllListeners('data');
    raw.removeAllListeners('error');
    raw.removeAllListeners('close');
    // The TLS socket reports failures of the one below it; keep a raw error from crashing the agent.
    raw.on('error', () => {});
    return new Promise((resolve, reject) => {
      const t = tlsConnect({ ...opts, socket: raw });
      const timer = setTimeout(() => {
        t.destroy();
        reject(this.kill(new NutError(E.NUT_TIMEOUT, 'TIMEOUT', `${this.where}: TLS handshake not done within ${timeoutMs} ms`)));
      }, timeoutMs);
      t.once('error', (err: Error) => {
        clearTimeout(timer);
        t.destroy();
        reject(this.kill(new NutError(E.NUT_ERROR, LOCAL_NAMES.tls, `${this.where}: TLS failed: ${err.message}`, { cause: err })));
      });
      t.once('secureConnect', () => {
        clearTimeout(timer);
        t.removeAllListeners('error');
        this.sock = t;
        this.attach(t);
        resolve();
      });
    });
  }

  private kill(e: NutError): NutError {
    this.dead ??= e;
    return e;
  }

  private fail(e: NutError, graceful = false): void {
    if (this.dead) return;
    this.dead = e;
    const p = this.pending;
    this.pending = null;
    if (p) {
      clearTimeout(p.timer);
      // Name the command that was cut off, unless the message already does.
      p.reject(e.message.endsWith(`(${p.label})`) ? e : new NutError(e.code as typeof E.NUT_ERROR, e.nutName, `${e.message} (${p.label})`, { cause: e.cause }));
    }
    if (!graceful) {
      this.sock.destroy();
      return;
    }
    this.sock.end('LOGOUT\n');
    // upsd answers LOGOUT and closes; do not wait on a server that does not.
    setTimeout(() => this.sock.destroy(), 1000).unref();
  }

  /** Says LOGOUT when idle, then closes. */
  close(): void {
    this.fail(new NutError(E.NUT_ERROR, LOCAL_NAMES.closed, `${this.where}: connection closed by client`), this.pending === null);
  }
}
