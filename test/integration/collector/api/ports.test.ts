/**
 * A port's administrative state where its state is shown: events over a real
 * WebSocket into a real SQLite file carry ifAdminStatus as evidence; the
 * ports view of the API and the report page show a port down with admin down
 * as "shut administratively", a fault (admin up) as plain down and a port in
 * test mode as such, each as of the time asked; the SLA counts the
 * administrative shutdown as down like any other outage (SLA rules §2).
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TOKENS, TestAgent } from '../../../support/collector-harness.ts';
import { API, call, startApi, stopApi, type ApiEnv } from '../../../support/api-harness.ts';
import { parseScenario } from '../../../../collector/src/sla/scenario.ts';
import { reconcile } from '../../../../collector/src/sla/reconcile.ts';

const at = (s: string) => Date.parse(`${s}+08:00`);
const NOW = at('2026-11-20T12:00:00');
const PORT = 'sw1/ge-0/0/1', UPLINK = 'sw1/xe-0/1/0';
const ADMIN = { 1: 'up', 2: 'down', 3: 'testing' } as const;

/** A port event as the agent sends it: ifOperStatus, and ifAdminStatus by number and by name. */
function ev(seq: number, subject: string, oper: 1 | 2 | 3, admin: 1 | 2 | 3, when: string) {
  return { seq, subject, kind: 'port', state: oper === 1 ? 'up' : 'down', at: at(when), via: 'poll',
    evidence: { ifOperStatus: oper, ifAdminStatus: admin, admin: ADMIN[admin] } };
}

const EVENTS = [
  ev(1, PORT, 1, 1, '2026-10-30T00:00:00'), ev(2, UPLINK, 1, 1, '2026-10-30T00:00:00'),
  ev(3, PORT, 2, 1, '2026-11-10T10:00:00'), // a fault: the administrator left it up
  ev(4, PORT, 1, 1, '2026-11-10T11:00:00'),
  ev(5, UPLINK, 3, 3, '2026-11-12T09:00:00'), // a test mode
  ev(6, UPLINK, 1, 1, '2026-11-12T09:30:00'),
  ev(7, PORT, 2, 2, '2026-11-15T08:00:00'), // shut administratively
];

describe('admin state where a port\'s state is shown', () => {
  let e: ApiEnv;
  beforeEach(async () => {
    e = await startApi(NOW);
    const a = await TestAgent.connect(`${e.c.url.replace('http', 'ws')}/agent`, TOKENS['rack-a1']);
    await a.hello('rack-a1');
    await a.events(EVENTS, EVENTS.length);
    a.close();
    await e.c.settled();
  });
  afterEach(async () => { await stopApi(e); });

  it('the API\'s ports view: state, admin state and "shut administratively", now and at an earlier asOf', async () => {
    const r = await call(e, 'GET', '/api/v1/customers/cust-a/ports?month=2026-11', { token: 'read' });
    expect(r.status).toBe(200);
    expect(r.json.ports.map(({ changes: _, ...p }: Record<string, unknown>) => p)).toEqual([
      { subject: PORT, role: 'port', state: 'down', since: '2026-11-15T08:00:00+08:00', admin: 'down', shutAdministratively: true },
      { subject: UPLINK, role: 'uplink', state: 'up', since: '2026-11-12T09:30:00+08:00', admin: 'up', shutAdministratively: false },
    ]);
    // The month begins in the state it inherited; every change carries its own admin state.
    expect(r.json.ports[0].changes.map((c: Record<string, unknown>) => [c.at, c.state, c.admin, c.shutAdministratively])).toEqual([
      ['2026-10-30T00:00:00+08:00', 'up', 'up', false],
      ['2026-11-10T10:00:00+08:00', 'down', 'up', false],
      ['2026-11-10T11:00:00+08:00', 'up', 'up', false],
      ['2026-11-15T08:00:00+08:00', 'down', 'down', true],
    ]);
    expect(r.json.ports[1].changes[1]).toMatchObject({ state: 'down', admin: 'testing', shutAdministratively: false });

    const before = await call(e, 'GET', `/api/v1/customers/cust-a/ports?month=2026-11&asOf=${encodeURIComponent('2026-11-10T10:30:00+08:00')}`, { token: 'read' });
    expect(before.json.ports[0]).toMatchObject({ state: 'down', admin: 'up', shutAdministratively: false, since: '2026-11-10T10:00:00+08:00' });
    expect(before.json.ports[0].changes).toHaveLength(2);

    const csv = await call(e, 'GET', '/api/v1/customers/cust-a/ports?month=2026-11&format=csv', { token: 'read' });
    expect(csv.text.split('\r\n').slice(0, 3)).toEqual([
      'subject,role,state,since,admin,shutAdministratively',
      `${PORT},port,down,2026-11-15T08:00:00+08:00,down,true`,
      `${UPLINK},uplink,up,2026-11-12T09:30:00+08:00,up,false`,
    ]);
  });

  it('the SLA counts the administrative shutdown as down, like the fault and the test mode', async () => {
    const r = await call(e, 'GET', '/api/v1/customers/cust-a/sla?month=2026-11', { token: 'read' });
    expect(r.json.customers[0].services.network.unreported.map((u: { start: string; end: string | null }) => [u.start, u.end])).toEqual([
      ['2026-11-10T10:00:00+08:00', '2026-11-10T11:00:00+08:00'],
      ['2026-11-12T09:00:00+08:00', '2026-11-12T09:30:00+08:00'],
      ['2026-11-15T08:00:00+08:00', null],
    ]);
  });

  it('the scenario export carries each port change\'s admin state, and reconciles offline to the /sla result', async () => {
    const r = await call(e, 'GET', '/api/v1/customers/cust-a/scenario?month=2026-11', { token: 'read' });
    expect(r.status).toBe(200);
    const mine = (r.json.observations as { subject: string; state: string; at: string; admin?: string }[]).filter((o) => o.subject === PORT);
    expect(mine.map((o) => [o.at, o.state, o.admin])).toEqual([
      ['2026-10-30T00:00:00+08:00', 'up', 'up'],
      ['2026-11-10T10:00:00+08:00', 'down', 'up'],
      ['2026-11-10T11:00:00+08:00', 'up', 'up'],
      ['2026-11-15T08:00:00+08:00', 'down', 'down'],
    ]);
    const sla = await call(e, 'GET', '/api/v1/customers/cust-a/sla?month=2026-11', { token: 'read' });
    expect(reconcile(parseScenario(r.json))).toEqual(sla.json);
    // An administrative state outside the vocabulary is refused with its path.
    const bad = structuredClone(r.json);
    bad.observations[0].admin = 'sideways';
    expect(() => parseScenario(bad)).toThrow(/observations\[0\]\.admin: "sideways" is not an administrative state \(up, down, testing\)/);
  });

  it('the report page says "shut administratively" for that port and its change, and plain down for the fault', async () => {
    const res = await fetch(`${e.c.url}/customers/cust-a/sla/2026-11?token=${API.read}`);
    expect(res.status).toBe(200);
    const html = await res.text();
    const cells = [...html.matchAll(/<tr data-(port|port-change)="([^"]*)">.*?data-figure="portState"[^>]*data-value="([^"]*)" data-admin="([^"]*)">([^<]*)<\/td>/g)]
      .map((m) => [m[1], m[2], m[3], m[4], m[5]]);
    expect(cells).toEqual([
      ['port', PORT, 'down', 'down', 'down, shut administratively'],
      ['port', UPLINK, 'up', 'up', 'up'],
      ['port-change', PORT, 'down', 'up', 'down'],
      ['port-change', PORT, 'up', 'up', 'up'],
      ['port-change', UPLINK, 'down', 'testing', 'down, in test mode (admin testing)'],
      ['port-change', UPLINK, 'up', 'up', 'up'],
      ['port-change', PORT, 'down', 'down', 'down, shut administratively'],
    ]);
    expect(html).toContain('Port state changes this month (5)');
  });
});
