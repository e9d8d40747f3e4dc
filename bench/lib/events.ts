/**
 * The one event stream every ingest measurement uses, so raw WebSocket,
 * SQLite alone and the collector see identical batches: port transitions of an
 * agent's row of switches (4 switches × 48 ports), with the small evidence
 * object a real source attaches (IF-MIB ifIndex, oper/admin status, ifLastChange).
 */
import type { WireEvent } from '@dcprobe/shared';

export const SWITCHES_PER_AGENT = 4;
export const PORTS_PER_SWITCH = 48;
const SUBJECTS = SWITCHES_PER_AGENT * PORTS_PER_SWITCH;
/** A fixed epoch (2026-06-01) so runs are comparable; one event per second per agent. */
const T0 = Date.UTC(2026, 5, 1);

export function agentId(i: number): string {
  return `bench-agent-${String(i).padStart(3, '0')}`;
}

export function agentToken(id: string): string {
  return `bench-token-${id}-0123456789abcdef`;
}

/** Event `seq` (1-based) of agent `agent`: cycles through the agent's ports, alternating down/up. */
export function eventObject(agent: number, seq: number): WireEvent {
  const i = (seq - 1) % SUBJECTS;
  const sw = Math.floor(i / PORTS_PER_SWITCH) + 1;
  const port = i % PORTS_PER_SWITCH;
  const down = Math.floor((seq - 1) / SUBJECTS) % 2 === 0;
  return {
    seq,
    subject: `r${agent}-sw${sw}/ge-0/0/${port}`,
    kind: 'port',
    state: down ? 'down' : 'up',
    at: T0 + seq * 1000,
    via: 'lastchange',
    evidence: { ifIndex: 500 + port, ifOperStatus: down ? 2 : 1, ifAdminStatus: 1, ifLastChange: seq * 100 },
  };
}

/**
 * The same event as JSON text, built by template so the load generator spends
 * its CPU on sending rather than on JSON.stringify (it shares the machine with
 * the collector). Checked against JSON.stringify(eventObject()) by the bench.
 */
export function eventJson(agent: number, seq: number): string {
  const i = (seq - 1) % SUBJECTS;
  const sw = Math.floor(i / PORTS_PER_SWITCH) + 1;
  const port = i % PORTS_PER_SWITCH;
  const down = Math.floor((seq - 1) / SUBJECTS) % 2 === 0;
  return `{"seq":${seq},"subject":"r${agent}-sw${sw}/ge-0/0/${port}","kind":"port","state":"${down ? 'down' : 'up'}","at":${T0 + seq * 1000},"via":"lastchange","evidence":{"ifIndex":${500 + port},"ifOperStatus":${down ? 2 : 1},"ifAdminStatus":1,"ifLastChange":${seq * 100}}}`;
}

/** An `events` frame holding seqs first..first+count-1 of one agent. */
export function eventsFrame(agent: number, first: number, count: number): string {
  const parts: string[] = new Array(count);
  for (let k = 0; k < count; k++) parts[k] = eventJson(agent, first + k);
  return `{"type":"events","v":1,"batch":[${parts.join(',')}]}`;
}
