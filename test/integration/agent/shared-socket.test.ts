/**
 * Every SNMP session of the agent on one UDP socket (snmp/shared-socket.ts):
 * answers reach the session that asked that device, whatever else is in
 * flight; v2c and v3 alike; a dead device still times out alone.
 */
import { describe, expect, it, onTestFinished } from 'vitest';
import { createSocket } from 'node:dgram';
import { startSimSwitch } from '../../../agent/src/sim/switch.ts';
import { openSnmp } from '../../../agent/src/snmp/client.ts';
import { sharedSockets } from '../../../agent/src/snmp/shared-socket.ts';
import { IF, SYS_UPTIME } from '../../../agent/src/profiles/if-mib.ts';
import type { SnmpTarget, SnmpV3User } from '../../../agent/src/snmp/types.ts';

const target = (port: number, o: Partial<SnmpTarget> = {}): SnmpTarget =>
  ({ host: '127.0.0.1', port, version: '2c', community: 'public', timeoutMs: 1000, retries: 0, maxRepetitions: 25, maxVarbinds: 48, bulk: 'auto', ...o });
const user: SnmpV3User = { name: 'mon', level: 'authPriv', authProtocol: 'sha', authKey: 'authpass-1', privProtocol: 'aes', privKey: 'privpass-1' };

describe('shared SNMP socket', () => {
  it('many sessions, two devices, one socket: each answer reaches its own session', async () => {
    const shared = sharedSockets();
    onTestFinished(() => shared.close());
    const a = await startSimSwitch({ ports: 10 });
    const b = await startSimSwitch({ ports: 20, v3User: user });
    onTestFinished(() => Promise.all([a.close(), b.close()]).then(() => {}));
    await b.setOper('ge-0/0/7', 'down');
    const clients = [
      openSnmp(target(a.port), { sockets: shared }), openSnmp(target(a.port), { sockets: shared }),
      openSnmp(target(b.port), { sockets: shared }), openSnmp(target(b.port, { version: '3', community: undefined, user }), { sockets: shared }),
    ];
    onTestFinished(() => clients.forEach((c) => c.close()));
    const walks = await Promise.all(clients.flatMap((c) => [c.walk([IF.ifOperStatus]), c.walk([IF.ifName, IF.ifOperStatus])]));
    expect(walks.map((w) => w.get(IF.ifOperStatus)!.length)).toEqual([12, 12, 12, 12, 22, 22, 22, 22]);
    expect(walks[4]!.get(IF.ifOperStatus)![6]!.value).toBe(2);
    expect(walks[6]!.get(IF.ifOperStatus)![6]!.value).toBe(2);
    expect(shared.open).toBe(1);
  });

  it('a device that does not answer times out on its own, while another answers', async () => {
    const shared = sharedSockets();
    onTestFinished(() => shared.close());
    const a = await startSimSwitch({ ports: 4 });
    onTestFinished(() => a.close());
    const silent = createSocket('udp4');
    await new Promise<void>((r) => silent.bind(0, '127.0.0.1', () => r()));
    onTestFinished(() => { silent.close(); });
    const dead = openSnmp(target(silent.address().port, { timeoutMs: 300 }), { sockets: shared });
    const alive = openSnmp(target(a.port), { sockets: shared });
    onTestFinished(() => { dead.close(); alive.close(); });
    const [d, l] = await Promise.allSettled([dead.get([SYS_UPTIME]), alive.get([SYS_UPTIME])]);
    expect(d).toMatchObject({ status: 'rejected', reason: { code: 'DCP_SNMP_TIMEOUT' } });
    expect(l).toMatchObject({ status: 'fulfilled' });
  });
});
