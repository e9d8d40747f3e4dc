/**
 * net-snmp's Listener (used by createAgent and createReceiver) replaces port 0
 * with 161/162 (`port || 161`), and binds without telling anyone when it is
 * done or on which port. Tests and the simulators need port 0 and the bound
 * port, so we hand net-snmp a dgram module whose sockets bind where we say and
 * report back. Bind errors (EADDRINUSE, EACCES) reject the promise instead of
 * reaching net-snmp's callback.
 */
import dgram from 'node:dgram';

export interface Bound {
  address: string;
  port: number;
}

export interface ListenPlan {
  /** Options to merge into createAgent/createReceiver's options. */
  options: { port: number; address: string; transport: 'udp4' | 'udp6'; dgramModule: { createSocket: typeof dgram.createSocket } };
  /** Resolves once the socket is bound. */
  bound: Promise<Bound>;
}

export function listenPlan(port: number, address: string): ListenPlan {
  let resolve!: (b: Bound) => void;
  let reject!: (e: Error) => void;
  const bound = new Promise<Bound>((res, rej) => { resolve = res; reject = rej; });
  const transport = address.includes(':') ? 'udp6' : 'udp4';
  const createSocket = ((type: dgram.SocketType) => {
    const socket = dgram.createSocket(type);
    const realBind = socket.bind.bind(socket) as (port: number, address: string) => dgram.Socket;
    const onError = (err: Error) => reject(err);
    socket.once('error', onError);
    socket.once('listening', () => {
      socket.off('error', onError);
      const a = socket.address();
      resolve({ address: a.address, port: a.port });
    });
    // Called by net-snmp as bind(port || 161, address): ignore its port, use ours.
    (socket as unknown as { bind: (...args: unknown[]) => dgram.Socket }).bind = () => realBind(port, address);
    return socket;
  }) as typeof dgram.createSocket;
  // The placeholder port only has to be truthy; the real one is applied in bind().
  return { options: { port: port || 1, address, transport, dgramModule: { createSocket } }, bound };
}
