/**
 * Connection limits on the collector's one listener: in total and per remote
 * address, counted from the TCP accept (before any byte is read), so a flood
 * of idle sockets cannot take the file descriptors /metrics and the agents
 * need. A socket over a limit is destroyed at once. Sockets that never finish
 * their request headers are cut by the server's headersTimeout.
 */
import type { Server } from 'node:net';
import type { Counter } from 'prom-client';

export interface ConnectionLimits { total: number; perIp: number }

/** How long a connection may take to send its request headers (the upgrade's included). */
export const HEADERS_TIMEOUT_MS = 10_000;

export function limitConnections(server: Server, limits: ConnectionLimits, refused: Counter<'reason'>): void {
  const perIp = new Map<string, number>();
  let total = 0;
  server.on('connection', (socket) => {
    const ip = socket.remoteAddress ?? '';
    const mine = perIp.get(ip) ?? 0;
    if (total >= limits.total || mine >= limits.perIp) {
      refused.inc({ reason: total >= limits.total ? 'total' : 'per_ip' });
      socket.destroy();
      return;
    }
    total++;
    perIp.set(ip, mine + 1);
    socket.once('close', () => {
      total--;
      const n = (perIp.get(ip) ?? 1) - 1;
      if (n > 0) perIp.set(ip, n); else perIp.delete(ip);
    });
  });
}
