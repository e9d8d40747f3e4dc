/**
 * Free ports on loopback for peers that must be told their port before they start
 * (snmpd, upsd, Prometheus, a collector an agent config names). A port the kernel just
 * handed out and released is race-prone by nature: fixtures that bind through another
 * program retry on a bind failure. Anything that can listen on port 0 should.
 */
import { createSocket } from 'node:dgram';
import { createServer } from 'node:net';
import { onTestFinished } from 'vitest';

export function freeTcpPort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, host, () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

export function freeUdpPort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const sock = createSocket(host.includes(':') ? 'udp6' : 'udp4');
    sock.once('error', reject);
    sock.bind(0, host, () => {
      const { port } = sock.address();
      sock.close(() => resolve(port));
    });
  });
}

/**
 * A UDP port on loopback where nothing answers: bound by this test and never read, so
 * requests to it time out. Released when the test finishes.
 */
export async function silentUdpPort(): Promise<number> {
  const s = createSocket('udp4');
  await new Promise<void>((r) => s.bind(0, '127.0.0.1', () => r()));
  onTestFinished(() => { s.close(); });
  return s.address().port;
}
