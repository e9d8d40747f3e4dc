/**
 * A customer's webhook endpoint, for tests: a real HTTP or HTTPS server on
 * 127.0.0.1 that checks each request's signature the way docs/customer-evidence.md
 * tells a customer to (written here from that text with node:crypto, not with
 * the collector's own code), records every request, and keeps one notice per
 * webhook-id, as a receiver that de-duplicates does.
 *
 *   const r = await WebhookReceiver.start({ secret, tls? , port? });
 *   r.respond = (req) => ({ status: 503, delayMs: 0, headers: {} });   // default: 2xx when the signature checks
 *   r.requests / r.accepted / r.url / await r.stop()
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer as createHttp, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttps } from 'node:https';
import type { Socket } from 'node:net';

export interface SeenRequest {
  id: string | undefined;
  timestamp: string | undefined;
  body: string;
  check: 'ok' | 'missing_header' | 'stale_timestamp' | 'bad_signature';
  receivedAt: number;
}

export interface Reply { status: number; delayMs?: number; headers?: Record<string, string> }

export interface ReceiverOptions { secret: string; tls?: { cert: string | Buffer; key: string | Buffer }; port?: number }

export class WebhookReceiver {
  readonly requests: SeenRequest[] = [];
  /** Accepted notices by webhook-id: a retry of one already accepted is acknowledged, not recorded again. */
  readonly accepted = new Map<string, string>();
  /** Decides the reply; the default acknowledges a good signature with 200 and refuses a bad one with 401. */
  respond: (r: SeenRequest) => Reply = (r) => ({ status: r.check === 'ok' ? 200 : 401 });
  private readonly sockets = new Set<Socket>();

  private constructor(private readonly server: Server, readonly url: string, readonly port: number, private readonly key: Buffer) {
    server.on('connection', (s: Socket) => { this.sockets.add(s); s.on('close', () => this.sockets.delete(s)); });
  }

  static async start(o: ReceiverOptions): Promise<WebhookReceiver> {
    const key = Buffer.from(o.secret.replace(/^whsec_/, ''), 'base64');
    let self: WebhookReceiver | undefined;
    const handler = (req: IncomingMessage, res: ServerResponse) => { void self!.handle(req, res); };
    const server = o.tls ? createHttps({ cert: o.tls.cert, key: o.tls.key }, handler) : createHttp(handler);
    await new Promise<void>((resolve, reject) => { server.once('error', reject); server.listen(o.port ?? 0, '127.0.0.1', () => resolve()); });
    const port = (server.address() as { port: number }).port;
    self = new WebhookReceiver(server, `${o.tls ? 'https' : 'http'}://127.0.0.1:${port}/dcprobe/notices`, port, key);
    return self;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body = Buffer.concat(chunks).toString('utf8');
    const h = (n: string) => req.headers[n] as string | undefined;
    const seen: SeenRequest = { id: h('webhook-id'), timestamp: h('webhook-timestamp'), body, check: this.check(h('webhook-id'), h('webhook-timestamp'), h('webhook-signature'), body), receivedAt: Date.now() };
    this.requests.push(seen);
    const reply = this.respond(seen);
    if (reply.delayMs) await new Promise((r) => setTimeout(r, reply.delayMs));
    if (reply.status >= 200 && reply.status < 300 && seen.id !== undefined && !this.accepted.has(seen.id)) this.accepted.set(seen.id, body);
    if (res.destroyed) return;
    res.writeHead(reply.status, { 'content-type': 'text/plain', ...reply.headers });
    res.end(`status ${reply.status}\n`);
  }

  /** The customer's check, step by step as the documentation gives it. */
  private check(id: string | undefined, ts: string | undefined, sig: string | undefined, body: string): SeenRequest['check'] {
    if (!id || !ts || !sig) return 'missing_header';
    if (Math.abs(Date.now() / 1000 - Number(ts)) > 300) return 'stale_timestamp';
    const expected = createHmac('sha256', this.key).update(`${id}.${ts}.${body}`).digest();
    const ok = sig.split(' ').some((s) => {
      const [v, b64] = s.split(',');
      const got = Buffer.from(b64 ?? '', 'base64');
      return v === 'v1' && got.length === expected.length && timingSafeEqual(got, expected);
    });
    return ok ? 'ok' : 'bad_signature';
  }

  /** Stops listening and drops open connections (a request held open is cut). */
  async stop(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
