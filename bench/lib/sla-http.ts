/**
 * A lean HTTP/1.1 GET for latency figures: node:http on one keep-alive
 * connection (what a NOC dashboard or Prometheus holds open), timed from the
 * request to the last byte of the body. Loopback only: the URL is the
 * collector's own 127.0.0.1 address.
 */
import http from 'node:http';

export interface Got { status: number; ms: number; body: string }

/** The documented race of keep-alive: the server closed an idle socket just as a request went out on it. */
const staleSocket = (e: unknown) => (e as { reused?: boolean }).reused === true
  && /ECONNRESET|socket hang up/.test(`${(e as NodeJS.ErrnoException).code ?? ''} ${(e as Error).message}`);

export class Client {
  private readonly agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  constructor(private readonly base: string, private readonly token?: string) {
    const host = new URL(base).hostname;
    if (host !== '127.0.0.1' && host !== '::1' && host !== '[::1]') throw new Error(`bench client: loopback only, got ${host}`);
  }

  /** Requests retried on a fresh socket after a stale keep-alive one (their time is the retry's). */
  retries = 0;

  async get(path: string, timeoutMs = 30_000): Promise<Got> {
    try {
      return await this.once(path, timeoutMs);
    } catch (e) {
      if (!staleSocket(e)) throw e;
      this.retries++;
      return this.once(path, timeoutMs);
    }
  }

  private once(path: string, timeoutMs: number): Promise<Got> {
    const t0 = performance.now();
    return new Promise((resolve, reject) => {
      const req = http.get(`${this.base}${path}`, {
        agent: this.agent, timeout: timeoutMs,
        headers: this.token ? { authorization: `Bearer ${this.token}` } : {},
      }, (res) => {
        const parts: Buffer[] = [];
        res.on('data', (d: Buffer) => parts.push(d));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, ms: performance.now() - t0, body: Buffer.concat(parts).toString('utf8') }));
        res.on('error', reject);
      });
      req.on('timeout', () => req.destroy(new Error(`GET ${path}: no answer within ${timeoutMs} ms`)));
      req.on('error', (e) => reject(Object.assign(e, { reused: req.reusedSocket })));
    });
  }

  close(): void { this.agent.destroy(); }
}
