/**
 * The link to the collector (one WebSocket at a time). It tries the collector
 * URLs in turn with jittered exponential backoff, says hello, waits for the
 * welcome (the collector's committed seq), drops what is committed from the
 * outbox, and streams the rest in batches with a bounded window of unacked
 * events. Everything not acked is resent on the next connection: delivery is
 * at-least-once, and the collector's (agentId, seq) check makes it exactly-once.
 *
 * A 4401 close (or an HTTP 401/403 at upgrade) means the token was refused:
 * logged clearly, retried only after a long pause — never a tight loop. The
 * token never reaches a log line.
 */
import { EventEmitter } from 'node:events';
import type { Logger } from 'pino';
import { CLOSE } from '@dcprobe/shared';
import type { Hello } from '@dcprobe/shared';
import type { Outbox } from './outbox.ts';
import { Session, safeUrl } from './link-session.ts';
import type { SessionEnd } from './link-session.ts';

export type HelloBody = Pick<Hello, 'host' | 'clock' | 'states'>;

export interface LinkOptions {
  urls: readonly string[];
  /** Read at each connection, so a corrected tokenFile is picked up without a restart. */
  token: () => string;
  /** PEM of a private CA for wss. */
  ca?: Buffer;
  agentId: string;
  version: string;
  heartbeatMs: number;
  outbox: Outbox;
  hello: () => Promise<HelloBody>;
  log: Logger;
  now: () => number;
  onConnected?: (up: boolean) => void;
  backoff?: { minMs: number; maxMs: number };
  /** Pause after the collector refused the token. */
  unauthorizedBackoffMs?: number;
  /** Most events sent and not yet acked. */
  windowEvents?: number;
  welcomeTimeoutMs?: number;
  /** Events in flight with no ack for this long: reconnect and resend. */
  ackTimeoutMs?: number;
  random?: () => number;
}

export interface Link extends EventEmitter<{ welcome: [number, ReadonlySet<string>]; down: [{ code: number; unauthorized: boolean }] }> {
  readonly connected: boolean;
  /** What the last collector to welcome this agent takes beyond version 1 (welcome.features); empty before any. */
  readonly features: ReadonlySet<string>;
  close(): Promise<void>;
}

export function startLink(o: LinkOptions): Link {
  const link = new EventEmitter() as Link & { connected: boolean; features: ReadonlySet<string> };
  const random = o.random ?? Math.random;
  const { minMs, maxMs } = o.backoff ?? { minMs: 500, maxMs: 30_000 };
  let closed = false;
  let current: Session | undefined;
  let wake: (() => void) | undefined;
  link.connected = false;
  link.features = new Set();
  const onAppend = () => current?.wake();
  o.outbox.on('append', onAppend);

  async function session(url: string): Promise<SessionEnd> {
    const s = new Session(url, o, (committedSeq, features) => {
      link.connected = true;
      link.features = new Set(features);
      o.onConnected?.(true);
      link.emit('welcome', committedSeq, link.features);
    });
    current = s;
    const end = await s.done;
    current = undefined;
    if (link.connected) {
      link.connected = false;
      o.onConnected?.(false);
    }
    link.emit('down', { code: end.code, unauthorized: end.unauthorized });
    return end;
  }

  const loop = (async () => {
    let attempt = 0;
    let failures = 0;
    let episodeLogged = false; // one warning per outage, not one per retry
    let i = 0;
    while (!closed) {
      const url = o.urls[i % o.urls.length]!;
      const end = await session(url);
      if (closed) break;
      // 4409: the collector took a newer connection with our agentId. Two agents sharing an id
      // would replace each other forever; keep backing off so they do not fight at full speed.
      const replaced = end.code === CLOSE.REPLACED;
      if (replaced) o.log.error({ collector: safeUrl(url) }, 'collector replaced this connection with a newer one for the same agentId (is another agent using this id?)');
      if (end.welcomed && !replaced) { attempt = 0; failures = 0; episodeLogged = false; } else if (!end.welcomed) { i++; failures++; }
      let delay: number;
      if (end.unauthorized) {
        delay = o.unauthorizedBackoffMs ?? 300_000;
        o.log.error({ collector: safeUrl(url), code: end.code, retryInS: Math.round(delay / 1000) },
          'collector refused this agent\'s token (check token/tokenFile and the collector\'s agents list); not retrying before the pause');
        episodeLogged = true;
      } else {
        const base = Math.min(maxMs, minMs * 2 ** attempt++);
        delay = base / 2 + random() * (base / 2);
        if (!episodeLogged) o.log.warn({ collector: safeUrl(url), code: end.code }, 'collector link down; reconnecting with backoff');
        else o.log.debug({ collector: safeUrl(url), code: end.code, failures, retryInMs: Math.round(delay) }, 'collector still unreachable');
        episodeLogged = true;
      }
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, delay);
        wake = () => { clearTimeout(t); resolve(); };
      });
      wake = undefined;
    }
  })();

  link.close = async () => {
    closed = true;
    o.outbox.off('append', onAppend);
    wake?.();
    await current?.close();
    await loop;
  };
  return link;
}
