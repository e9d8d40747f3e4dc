/**
 * One UDP socket (per address family) for every SNMP session of the agent,
 * handed to net-snmp as its `dgramModule`: each session gets a virtual
 * socket, and an answer goes to the sessions that sent to the address and
 * port it came from (each then matches its own request ids, as with a
 * socket of its own). An agent polling 2,000 switches keeps 2 sockets, not
 * 2,000 (each ~6 KB of native memory, and one more descriptor to watch).
 */
import dgram from 'node:dgram';
import { EventEmitter } from 'node:events';
import { lookup } from 'node:dns';
import { isIP } from 'node:net';
import { normAddress } from './address.ts';

type SendCallback = (err: Error | null, bytes?: number) => void;

/** What net-snmp's Session uses of a dgram socket. */
export interface VirtualSocket extends EventEmitter {
  send(buf: Buffer, offset: number, length: number, port: number, host: string, cb?: SendCallback): void;
  bind(): void;
  ref(): this;
  unref(): this;
  close(): void;
}

export interface SharedSockets {
  /** net-snmp's `dgramModule` option. */
  readonly module: { createSocket(type: 'udp4' | 'udp6'): VirtualSocket };
  /** Real sockets open now (0–2). */
  readonly open: number;
  close(): void;
}

const key = (address: string, port: number): string => `${normAddress(address)}|${port}`;

export function sharedSockets(): SharedSockets {
  const real = new Map<'udp4' | 'udp6', dgram.Socket>();
  const byPeer = new Map<string, Set<Virtual>>();
  let refs = 0;

  function socketFor(type: 'udp4' | 'udp6'): dgram.Socket {
    let s = real.get(type);
    if (!s) {
      s = dgram.createSocket(type);
      s.unref();
      s.on('message', (buf, rinfo) => {
        for (const v of byPeer.get(key(rinfo.address, rinfo.port)) ?? []) v.emit('message', buf, rinfo);
      });
      // Send errors reach each sender's callback; a socket-level error is every session's.
      s.on('error', (err) => { for (const set of byPeer.values()) for (const v of set) v.emit('error', err); });
      real.set(type, s);
    }
    return s;
  }

  class Virtual extends EventEmitter implements VirtualSocket {
    private readonly peers = new Set<string>();
    private refd = false;
    private closed = false;
    constructor(private readonly type: 'udp4' | 'udp6') { super(); }

    send(buf: Buffer, offset: number, length: number, port: number, host: string, cb?: SendCallback): void {
      if (this.closed) { cb?.(new Error('Not running')); return; }
      const go = (address: string): void => {
        this.listen(key(address, port));
        socketFor(this.type).send(buf, offset, length, port, address, cb);
      };
      if (isIP(host)) { go(host); return; }
      // A host name: resolved at each send, as dgram itself does.
      lookup(host, { family: this.type === 'udp6' ? 6 : 4 }, (err, address) => (err ? cb?.(err) : go(address)));
    }

    bind(): void { /* The shared socket binds on first use. */ }

    /** net-snmp refs its socket while requests wait for answers: the process stays up for them. */
    ref(): this {
      if (this.refd || this.closed) return this;
      this.refd = true;
      refs++;
      socketFor(this.type).ref();
      return this;
    }

    unref(): this {
      if (!this.refd) return this;
      this.refd = false;
      if (--refs === 0) for (const s of real.values()) s.unref();
      return this;
    }

    close(): void {
      if (this.closed) return;
      this.unref();
      this.closed = true;
      for (const k of this.peers) {
        const set = byPeer.get(k);
        set?.delete(this);
        if (set?.size === 0) byPeer.delete(k);
      }
      queueMicrotask(() => this.emit('close'));
    }

    private listen(k: string): void {
      if (this.peers.has(k)) return;
      this.peers.add(k);
      let set = byPeer.get(k);
      if (!set) { set = new Set(); byPeer.set(k, set); }
      set.add(this);
    }
  }

  return {
    module: { createSocket: (type) => new Virtual(type) },
    get open() { return real.size; },
    close() {
      for (const s of real.values()) { try { s.close(); } catch { /* closed */ } }
      real.clear();
      byPeer.clear();
    },
  };
}
