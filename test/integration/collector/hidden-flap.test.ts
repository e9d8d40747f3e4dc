/**
 * Hidden flaps at the collector, over a real WebSocket into a real SQLite
 * file: the welcome says it takes them; each is stored once, counted, changes
 * no state and no measured second, and is listed with its bounds in the SLA
 * result, the scenario export (which reconciles offline to the same list) and
 * the report page. A hello whose states hold a bad entry is welcomed, with
 * that entry set aside and counted.
 */
import { describe, it, expect, beforeEach, afterEach } from 'vitest';
import { FEATURES, PROTOCOL_VERSION } from '@dcprobe/shared';
import { TOKENS, TestAgent, collector, portEvent, rows } from '../../support/collector-harness.ts';
import { API, call, startApi, stopApi, type ApiEnv } from '../../support/api-harness.ts';
import { parseScenario } from '../../../collector/src/sla/scenario.ts';
import { reconcile } from '../../../collector/src/sla/reconcile.ts';

const T0 = Date.parse('2026-11-10T00:00:00Z');
const PORT = 'sw1/ge-0/0/1';
const flap = (seq: number, since: number, at: number, subject = PORT) =>
  ({ seq, subject, kind: 'hidden-flap', since, at, via: 'lastchange', evidence: { ifLastChange: 1234 } });
const QUERY = `month=2026-11&asOf=${encodeURIComponent(new Date(T0 + 3_600_000).toISOString())}`;

describe('hidden flaps at the collector', () => {
  let e: ApiEnv;
  beforeEach(async () => { e = await startApi(T0 + 3_600_000); });
  afterEach(async () => { await stopApi(e); });

  const agent = async () => {
    const a = await TestAgent.connect(`${e.c.url.replace('http', 'ws')}/agent`, TOKENS['rack-a1']);
    return { a, welcome: await a.hello('rack-a1') };
  };

  it('says in its welcome that it takes hidden-flap events', async () => {
    const { a, welcome } = await agent();
    expect(welcome.features).toEqual([FEATURES.HIDDEN_FLAP]);
    a.close();
  });

  it('stores a flap once, counts it, leaves state and measured time alone, and lists it in the SLA result, export and page', async () => {
    const { a } = await agent();
    await a.events([portEvent(1, 'up', T0), flap(2, T0 + 30_000, T0 + 55_000)], 2);
    await a.events([flap(2, T0 + 30_000, T0 + 55_000)], 2); // a resend after a lost ack
    a.close();

    expect(await rows(e.c, 'SELECT subject, since, at, agent_id, seq, evidence FROM hidden_flaps')).toEqual([
      { subject: PORT, since: T0 + 30_000, at: T0 + 55_000, agent_id: 'rack-a1', seq: 2, evidence: '{"ifLastChange":1234}' },
    ]);
    expect(await rows(e.c, 'SELECT state, at FROM observations WHERE subject = ?', PORT)).toEqual([{ state: 'up', at: T0 }]);
    expect(await e.c.metricsText()).toMatch(/dcprobe_collector_hidden_flaps_total\{agent="rack-a1"\} 1\n/);

    const sla = await call(e, 'GET', `/api/v1/customers/cust-a/sla?${QUERY}`, { token: 'read' });
    const net = sla.json.customers[0].services.network;
    expect(net.hiddenFlaps).toEqual([{ subject: PORT, start: '2026-11-10T08:00:30+08:00', end: '2026-11-10T08:00:55+08:00' }]);
    expect(net.measuredSeconds).toBe(0);
    expect(net.unreported).toEqual([]);

    const exported = (await call(e, 'GET', `/api/v1/customers/cust-a/scenario?${QUERY}`, { token: 'read' })).json;
    expect(exported.hiddenFlaps).toEqual([{ subject: PORT, since: '2026-11-10T08:00:30+08:00', at: '2026-11-10T08:00:55+08:00' }]);
    expect(reconcile(parseScenario(exported)).customers[0]!.services.network!.hiddenFlaps).toEqual(net.hiddenFlaps);

    const page = await fetch(`${e.c.url}/customers/cust-a/sla/2026-11?asOf=${encodeURIComponent(new Date(T0 + 3_600_000).toISOString())}`,
      { headers: { authorization: `Bearer ${API.read}` } });
    expect(page.status).toBe(200);
    expect(await page.text()).toContain(`data-figure="hiddenFlap" data-service="network" data-subject="${PORT}" data-value="2026-11-10T08:00:30+08:00/2026-11-10T08:00:55+08:00"`);
  });

  it('remembers a flap\'s seq above a gap across a restart: filling the gap acks past it, and it is not stored twice', async () => {
    const { a } = await agent();
    await a.events([portEvent(1, 'up', T0), flap(3, T0 + 30_000, T0 + 55_000)], 1); // seq 2 still on its way
    a.close();
    await e.c.close();
    e.c = await collector(e.tmp.dir, {}, { now: () => e.clock.now }); // the same store file
    const { a: b, welcome } = await agent();
    expect(welcome.committedSeq).toBe(1);
    expect((await b.events([portEvent(2, 'down', T0 + 10_000)], 2)).seq).toBe(3);
    b.close();
    expect(await rows(e.c, 'SELECT seq FROM hidden_flaps')).toEqual([{ seq: 3 }]);
  });

  it('refuses a flap that ends before it starts, keeping it with the reason; the frame\'s other events stand', async () => {
    const { a } = await agent();
    await a.events([portEvent(1, 'up', T0), flap(2, T0 + 55_000, T0 + 30_000)], 2);
    a.close();
    expect(await rows(e.c, 'SELECT count(*) n FROM hidden_flaps')).toEqual([{ n: 0 }]);
    expect((await rows(e.c, 'SELECT seq, reason FROM rejected_events'))[0]).toMatchObject({ seq: 2, reason: expect.stringMatching(/since/) });
    expect(await rows(e.c, 'SELECT state FROM observations WHERE subject = ?', PORT)).toEqual([{ state: 'up' }]);
  });

  it('welcomes a hello whose states hold a bad entry, counts the one set aside, and takes the agent\'s events', async () => {
    const a = await TestAgent.connect(`${e.c.url.replace('http', 'ws')}/agent`, TOKENS['rack-a1']);
    const welcome = await a.hello('rack-a1', {
      states: [
        { subject: 'winxp/MS TCP Loopback interface', kind: 'port', state: 'up', since: T0 },
        { subject: PORT, kind: 'port', state: 'up', since: T0 },
      ],
    });
    expect(welcome).toMatchObject({ type: 'welcome', v: PROTOCOL_VERSION });
    expect(await e.c.metricsText()).toMatch(/dcprobe_collector_hello_states_quarantined_total\{agent="rack-a1"\} 1\n/);
    await a.events([portEvent(1, 'down', T0 + 1000)], 1);
    a.close();
    expect(await rows(e.c, 'SELECT state FROM observations WHERE subject = ?', PORT)).toEqual([{ state: 'down' }]);
  });
});
