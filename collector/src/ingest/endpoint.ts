/**
 * The agents' WebSocket endpoint (/agent) on the collector's HTTP(S) server.
 * Agents authenticate with a per-agent bearer token at upgrade; an unknown
 * token still completes the handshake so the agent gets a clear close reason
 * (4401) instead of a bare HTTP status. A newer connection of the same agent
 * replaces the older one.
 */
import type http from 'node:http';
import { WebSocketServer, type WebSocket } from 'ws';
import { AGENT_WS_PATH, CLOSE, MAX_MESSAGE_BYTES } from '@dcprobe/shared';
import { bearer, hashToken } from '../tokens.ts';
import { runSession, type SessionDeps } from './session.ts';

export interface EndpointDeps extends SessionDeps {
  /** The configured agents and their token hashes. */
  agents: readonly { id: string; tokenHash: string }[];
}

export function acceptAgents(server: http.Server, d: EndpointDeps): { close(): void } {
  // ws enforces a hard cap far above the protocol's limit; frames between the
  // two are refused with an error frame so the connection and its valid events survive.
  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_MESSAGE_BYTES * 4 });
  const byHash = new Map(d.agents.map((a) => [a.tokenHash, a.id]));
  const sessions = new Map<string, WebSocket>();
  server.on('upgrade', (req, socket, head) => {
    const path = new URL(req.url ?? '/', 'http://local').pathname;
    if (path !== AGENT_WS_PATH) { socket.end('HTTP/1.1 404 Not Found\r\n\r\n'); return; }
    wss.handleUpgrade(req, socket, head, (ws) => {
      const tok = bearer(req.headers.authorization);
      const agentId = tok ? byHash.get(hashToken(tok)) : undefined;
      if (!agentId) {
        const reason = tok ? 'bad_token' : 'no_token';
        d.metrics.authFailures.inc({ reason });
        d.log.warn({ remote: req.socket.remoteAddress, reason }, 'agent connection refused: unknown or missing token');
        ws.close(CLOSE.UNAUTHORIZED, tok ? 'unknown or wrong agent token' : 'missing agent token');
        return;
      }
      const prev = sessions.get(agentId);
      if (prev) prev.close(CLOSE.REPLACED, 'replaced by a newer connection of the same agent');
      sessions.set(agentId, ws);
      ws.on('close', () => { if (sessions.get(agentId) === ws) sessions.delete(agentId); });
      runSession(ws, agentId, d);
    });
  });
  return {
    close() {
      for (const ws of wss.clients) ws.close(CLOSE.SHUTDOWN, 'collector shutting down');
      for (const ws of wss.clients) ws.terminate();
    },
  };
}
