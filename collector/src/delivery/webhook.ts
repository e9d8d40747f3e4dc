/**
 * Webhook delivery: one HTTPS POST of a JSON body, signed (signature.ts), per
 * attempt. Receipt is the customer's 2xx, timed when its status line arrives;
 * anything else is a failure the state machine retries: refused, timed out,
 * TLS, a reset connection, or a non-2xx (4xx other than 408/425/429 is taken
 * as permanent: resending the same request will not change the answer).
 * Redirects are not followed: a signed notice goes only where it was configured.
 * Plain http is accepted only for loopback addresses (tests, a local relay).
 */
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { isIP } from 'node:net';
import { DcprobeError, E } from '@dcprobe/shared';
import type { Sender } from './run.ts';
import { webhookHeaders, webhookKey } from './signature.ts';
import type { AttemptOutcome, Delivery } from './types.ts';

export interface WebhookOptions {
  url: string;
  /** The customer's `whsec_…` secret. */
  secret: string;
  /** PEM CA certificates to trust instead of the system's (a customer's private CA). */
  ca?: string | Buffer | undefined;
  /** Bound on one attempt: connect, TLS, request and the response's status line. */
  timeoutMs: number;
  now: () => number;
}

/** What a webhook attempt sends: the JSON body, exactly as signed. */
export interface WebhookContent { body: string }

/** Checks a configured webhook URL; the message names what is wrong, never a query string. */
export function webhookUrl(text: string): URL {
  let u: URL;
  try { u = new URL(text); } catch { throw new DcprobeError(E.DELIVERY_TARGET, 'webhook url: not a URL'); }
  if (u.username || u.password) throw new DcprobeError(E.DELIVERY_TARGET, 'webhook url: credentials in the URL are not allowed (the signature authenticates)');
  if (u.protocol === 'http:' && !isLoopback(u.hostname)) throw new DcprobeError(E.DELIVERY_TARGET, `webhook url: plain http only to loopback, got ${u.hostname}`);
  if (u.protocol !== 'https:' && u.protocol !== 'http:') throw new DcprobeError(E.DELIVERY_TARGET, `webhook url: expected https, got ${u.protocol}`);
  return u;
}

function isLoopback(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '');
  if (h === 'localhost' || h === '::1') return true;
  return isIP(h) === 4 && h.startsWith('127.');
}

/** The URL as logs and the delivery record show it: no query (it may hold a customer's token). */
export function displayUrl(u: URL): string {
  return `${u.protocol}//${u.host}${u.pathname}`;
}

export function webhookSender(o: WebhookOptions): Sender<WebhookContent> {
  const url = webhookUrl(o.url);
  const key = webhookKey(o.secret);
  return { channel: 'webhook', send: (d, c) => post(url, key, o, d, c) };
}

function post(url: URL, key: Buffer, o: WebhookOptions, d: Delivery, c: WebhookContent): Promise<AttemptOutcome> {
  const body = Buffer.from(c.body, 'utf8');
  const headers = {
    'content-type': 'application/json', 'content-length': String(body.length), 'user-agent': 'dcprobe-collector',
    ...webhookHeaders(key, d.id, o.now(), body),
  };
  const request = url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise<AttemptOutcome>((resolve) => {
    let done = false;
    const finish = (out: AttemptOutcome) => { if (!done) { done = true; clearTimeout(timer); resolve(out); } };
    const req = request(url, { method: 'POST', headers, agent: false, ...(o.ca ? { ca: o.ca } : {}) }, (res) => {
      finish(responseOutcome(res, o.now()));
      res.resume(); // the body is not evidence: drain it and let the socket go
      res.on('error', () => {});
      res.on('end', () => req.destroy());
    });
    const timer = setTimeout(() => {
      finish({ kind: 'failure', failure: 'timeout', detail: `no response within ${o.timeoutMs} ms`, permanent: false });
      req.destroy();
    }, o.timeoutMs);
    req.on('error', (e: NodeJS.ErrnoException) => finish(errorOutcome(e)));
    req.end(body);
  });
}

const RETRYABLE_4XX = new Set([408, 425, 429]);

function responseOutcome(res: IncomingMessage, at: number): AttemptOutcome {
  const status = res.statusCode ?? 0;
  // Only the status line is kept: the body and reason are the receiver's text, not ours to log.
  const response = `HTTP ${status}`;
  if (status >= 200 && status < 300) return { kind: 'receipt', at, response };
  const out: AttemptOutcome = { kind: 'failure', failure: 'http_status', detail: response, permanent: status >= 400 && status < 500 && !RETRYABLE_4XX.has(status) };
  const ra = retryAfterMs(res.headers['retry-after'], at);
  if (ra !== undefined) out.retryAfterMs = ra;
  return out;
}

/** Retry-After as delta-seconds or an HTTP date. */
function retryAfterMs(v: string | undefined, now: number): number | undefined {
  if (!v) return undefined;
  if (/^\d+$/.test(v.trim())) return Number(v.trim()) * 1000;
  const t = Date.parse(v);
  return Number.isNaN(t) ? undefined : Math.max(0, t - now);
}

const TLS_CODE = /CERT|SSL|TLS|SELF_SIGNED|UNABLE_TO_VERIFY|ALTNAME/;

function errorOutcome(e: NodeJS.ErrnoException): AttemptOutcome {
  const code = e.code ?? 'ERROR';
  const failure = code === 'ECONNREFUSED' ? 'refused' : code === 'ETIMEDOUT' ? 'timeout' : TLS_CODE.test(code) ? 'tls' : 'network';
  return { kind: 'failure', failure, detail: code, permanent: false };
}
