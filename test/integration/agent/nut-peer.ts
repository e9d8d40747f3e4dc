/**
 * A small upsd stand-in on 127.0.0.1:0 that speaks the NUT protocol lines
 * (LIST UPS, LIST VAR, GET VAR, USERNAME, PASSWORD, STARTTLS, LOGOUT). It is a
 * real TCP peer for the client's framing: replies can be cut into tiny chunks,
 * held back (timeouts) or replaced by ERR lines.
 */
import { fileURLToPath } from 'node:url';
import { createServer, type Server, type Socket } from 'node:net';
import { TLSSocket } from 'node:tls';
import { readFileSync } from 'node:fs';

export interface PeerUps {
  desc?: string;
  vars: Record<string, string>;
  /** Answer every request about this UPS with `ERR <error>`. */
  error?: string;
}

export interface NutPeer {
  port: number;
  ups: Map<string, PeerUps>;
  /** Lines received, per connection. */
  sessions: string[][];
  /** Commands (exact line) that get no reply at all. */
  hang: Set<string>;
  /** Deliver replies one byte per write, to exercise line framing. */
  trickle: boolean;
  /** Set to require USERNAME/PASSWORD before LIST/GET. */
  login?: { username: string; password: string };
  tls?: { key: string; cert: string };
  close(): Promise<void>;
}

const q = (s: string) => `"${s.replace(/[\\"]/g, (m) => `\\${m}`)}"`;

function words(line: string): string[] {
  return (line.match(/"(?:\\.|[^"\\])*"|\S+/g) ?? []).map((w) => (w.startsWith('"') ? w.slice(1, -1).replace(/\\(.)/g, '$1') : w));
}

function reply(peer: NutPeer, w: string[], auth: { user?: string; pass?: string }): string[] {
  const [cmd, sub, name, v] = w;
  if (peer.login && (cmd === 'LIST' || cmd === 'GET') && (auth.user !== peer.login.username || auth.pass !== peer.login.password)) {
    return ['ERR ACCESS-DENIED'];
  }
  if (cmd === 'LIST' && sub === 'UPS') {
    return ['BEGIN LIST UPS', ...[...peer.ups].map(([n, u]) => `UPS ${n} ${q(u.desc ?? 'Unavailable')}`), 'END LIST UPS'];
  }
  if ((cmd === 'LIST' && sub === 'VAR') || (cmd === 'GET' && sub === 'VAR')) {
    const u = name === undefined ? undefined : peer.ups.get(name);
    if (!u) return [name === undefined ? 'ERR INVALID-ARGUMENT' : 'ERR UNKNOWN-UPS'];
    if (u.error) return [`ERR ${u.error}`];
    if (cmd === 'GET') {
      const val = v === undefined ? undefined : u.vars[v];
      return val === undefined ? ['ERR VAR-NOT-SUPPORTED'] : [`VAR ${name} ${v} ${q(val)}`];
    }
    return [`BEGIN LIST VAR ${name}`, ...Object.entries(u.vars).map(([k, val]) => `VAR ${name} ${k} ${q(val)}`), `END LIST VAR ${name}`];
  }
  if (cmd === 'USERNAME') { auth.user = sub; return ['OK']; }
  if (cmd === 'PASSWORD') { auth.pass = sub; return ['OK']; }
  if (cmd === 'LOGOUT') return ['OK Goodbye'];
  return ['ERR UNKNOWN-COMMAND'];
}

export async function startNutPeer(init: Partial<Pick<NutPeer, 'login' | 'tls'>> & { ups?: Record<string, PeerUps> } = {}): Promise<NutPeer> {
  const sockets = new Set<Socket>();
  const peer: NutPeer = {
    port: 0,
    ups: new Map(Object.entries(init.ups ?? {})),
    sessions: [],
    hang: new Set(),
    trickle: false,
    ...(init.login ? { login: init.login } : {}),
    ...(init.tls ? { tls: init.tls } : {}),
    close: () => new Promise<void>((resolve) => {
      for (const s of sockets) s.destroy();
      server.close(() => resolve());
    }),
  };

  function serve(sock: Socket | TLSSocket, seen: string[], auth: { user?: string; pass?: string }): void {
    let buf = '';
    const send = (lines: string[]) => {
      const text = lines.map((l) => `${l}\n`).join('');
      if (!peer.trickle) { sock.write(text); return; }
      for (const ch of text) sock.write(ch);
    };
    const onData = (chunk: Buffer) => {
      buf += chunk.toString('utf8');
      let nl: number;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl).replace(/\r$/, '');
        buf = buf.slice(nl + 1);
        seen.push(line);
        if (peer.hang.has(line)) continue;
        const w = words(line);
        if (w[0] === 'STARTTLS') {
          if (!peer.tls) { send(['ERR FEATURE-NOT-CONFIGURED']); continue; }
          send(['OK STARTTLS']);
          sock.removeListener('data', onData);
          const t = new TLSSocket(sock, { isServer: true, key: peer.tls.key, cert: peer.tls.cert });
          t.on('error', () => t.destroy());
          serve(t, seen, auth);
          return;
        }
        send(reply(peer, w, auth));
        if (w[0] === 'LOGOUT') sock.end();
      }
    };
    sock.on('data', onData);
  }

  const server: Server = createServer((sock) => {
    sockets.add(sock);
    sock.on('close', () => sockets.delete(sock));
    sock.on('error', () => sock.destroy());
    const seen: string[] = [];
    peer.sessions.push(seen);
    serve(sock, seen, {});
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  peer.port = (server.address() as { port: number }).port;
  return peer;
}

/**
 * The committed test-only certificate for 127.0.0.1 (test/fixtures/tls), so npm
 * test needs no openssl binary on a machine that has only Node.
 */
export function selfSignedCert(): { key: string; cert: string } {
  const at = (f: string) => fileURLToPath(new URL(`../../fixtures/tls/${f}`, import.meta.url));
  return { key: readFileSync(at('localhost.key'), 'utf8'), cert: readFileSync(at('localhost.crt'), 'utf8') };
}
