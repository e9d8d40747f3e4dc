/**
 * When a restoration notice can be drafted, and with what evidence: tables of
 * measured timelines for redundant ports (any/all), switch uplinks, power
 * feeds, flapping and unknown stretches during the settling time, a service
 * still down or never measured, and a report made after the outage was over.
 */
import { describe, expect, it } from 'vitest';
import { formatInstant, type State } from '@dcprobe/shared';
import { draftNotice, type NoticeDecision } from '../../../../collector/src/notices/draft.ts';
import { defaultTerms, type Customer, type Observation, type Report } from '../../../../collector/src/sla/types.ts';

const TZ = 'Asia/Shanghai';
const at = (hhmm: string, day = '03') => Date.parse(`2026-11-${day}T${hhmm}:00+08:00`);
const hm = (ms: number | null) => (ms === null ? '…' : formatInstant(ms, TZ).slice(8, 16).replace('T', ' '));
const MIN = 60_000;

const P1 = 'sw1/ge-0/0/1', P2 = 'sw1/ge-0/0/2', U1 = 'sw1/xe-0/1/0', U2 = 'sw1/xe-0/1/1', FA = 'pdu-a/feed-1', FB = 'ups-b/output';
const network = (redundancy: 'any' | 'all', uplinks: string[] = []): Customer => ({
  id: 'cust-a', timezone: TZ, network: { ports: [P1, P2], redundancy, uplinks }, terms: defaultTerms(),
});
const power: Customer = { id: 'cust-a', timezone: TZ, power: { feeds: [FA, FB] }, terms: defaultTerms() };

/** `subject state HH:MM` per line, all on 3 Nov unless `dd/HH:MM`. */
function obs(spec: string): Observation[] {
  return spec.trim().split('\n').map((line) => {
    const [subject, state, when] = line.trim().split(/\s+/) as [string, State, string];
    const [d, t] = when.includes('/') ? when.split('/') as [string, string] : ['03', when];
    return { subject, state, at: at(t, d) };
  });
}
const up = (...subjects: string[]) => subjects.map((s) => `${s} ${s.startsWith('pdu') || s.startsWith('ups') ? 'mains' : 'up'} 01/00:00`).join('\n');
const report = (reportedAt: number, extra: Partial<Report> = {}): Report => ({ id: 'T-1', customer: 'cust-a', service: 'network', reportedAt, ...extra });

/** The decision in a form a table can state: times as `dd HH:MM` in the customer's zone. */
function summary(d: NoticeDecision): unknown {
  switch (d.state) {
    case 'down': return { down: hm(d.since) };
    case 'unknown': return { unknown: d.since === null ? null : hm(d.since) };
    case 'settling': return { settling: hm(d.upSince), readyAt: hm(d.readyAt) };
    case 'ready': {
      const x = d.draft;
      return {
        restoredAt: hm(x.restoredAt), settledAt: hm(x.settledAt),
        outages: x.outages.map((o) => `${hm(o.start)}-${hm(o.end)}`),
        subjects: Object.fromEntries(x.subjects.map((s) => [s.subject, `${s.role} ${s.stateAtRestoration}${s.notUp.map((n) => ` ${n.state} ${hm(n.start)}-${hm(n.end)}`).join('')}`])),
      };
    }
  }
}

interface Row { customer: Customer; observations: string; report: Report; settle: number; asOf: number; want: unknown }
const rows: [string, Row][] = [
  ['any: both ports down, back, settled', {
    customer: network('any'), report: report(at('10:05')), settle: 10, asOf: at('11:00'),
    observations: `${up(P1, P2)}\n${P1} down 10:00\n${P2} down 10:02\n${P2} up 10:40\n${P1} up 10:50`,
    want: { restoredAt: '03 10:40', settledAt: '03 10:50', outages: ['03 10:02-03 10:40'],
      subjects: { [P1]: 'port down down 03 10:00-03 10:50', [P2]: 'port up down 03 10:02-03 10:40' } },
  }],
  ['any: back, not settled yet', {
    customer: network('any'), report: report(at('10:05')), settle: 10, asOf: at('10:45'),
    observations: `${up(P1, P2)}\n${P1} down 10:00\n${P2} down 10:02\n${P2} up 10:40`,
    want: { settling: '03 10:40', readyAt: '03 10:50' },
  }],
  ['any: one of two bonded ports down is no outage', {
    customer: network('any'), report: report(at('10:05')), settle: 10, asOf: at('10:30'),
    observations: `${up(P1, P2)}\n${P1} down 10:00`,
    want: { restoredAt: '01 00:00', settledAt: '03 10:05', outages: [],
      subjects: { [P1]: 'port up', [P2]: 'port up' } },
  }],
  ['all: one port down is an outage, and the evidence names it', {
    customer: network('all'), report: report(at('10:05')), settle: 5, asOf: at('11:00'),
    observations: `${up(P1, P2)}\n${P2} down 10:00\n${P2} up 10:20`,
    want: { restoredAt: '03 10:20', settledAt: '03 10:25', outages: ['03 10:00-03 10:20'],
      subjects: { [P1]: 'port up', [P2]: 'port up down 03 10:00-03 10:20' } },
  }],
  ['all: still down', {
    customer: network('all'), report: report(at('10:05')), settle: 5, asOf: at('11:00'),
    observations: `${up(P1, P2)}\n${P2} down 10:00`,
    want: { down: '03 10:00' },
  }],
  ['uplinks: both switch uplinks down while the ports stay up', {
    customer: network('any', [U1, U2]), report: report(at('01:05')), settle: 10, asOf: at('02:00'),
    observations: `${up(P1, P2, U1, U2)}\n${U1} down 01:00\n${U2} down 00:58\n${U2} up 01:30\n${U1} up 01:31`,
    want: { restoredAt: '03 01:30', settledAt: '03 01:40', outages: ['03 01:00-03 01:30'],
      subjects: { [P1]: 'port up', [P2]: 'port up', [U1]: 'uplink down down 03 01:00-03 01:31', [U2]: 'uplink up down 03 00:58-03 01:30' } },
  }],
  ['power: one feed off while the other carries the load is no outage; both off is', {
    customer: power, report: { ...report(at('08:52')), service: 'power' }, settle: 3, asOf: at('09:30'),
    observations: `${up(FA, FB)}\n${FA} off 08:00\n${FB} battery 08:00\n${FB} off 08:50\n${FB} mains 09:00\n${FA} mains 09:10`,
    want: { restoredAt: '03 09:00', settledAt: '03 09:03', outages: ['03 08:50-03 09:00'],
      subjects: { [FA]: 'feed off down 03 08:00-03 09:10', [FB]: 'feed mains down 03 08:50-03 09:00' } },
  }],
  ['flapping during the settling time restarts it', {
    customer: network('any'), report: report(at('10:05')), settle: 10, asOf: at('11:05'),
    observations: `${up(P1)}\n${P2} down 01/00:00\n${P1} down 10:00\n${P1} up 10:50\n${P1} down 10:55\n${P1} up 10:56`,
    want: { settling: '03 10:56', readyAt: '03 11:06' },
  }],
  ['flapping during the settling time: ready once it has held, both outages listed', {
    customer: network('any'), report: report(at('10:05')), settle: 10, asOf: at('11:06'),
    observations: `${up(P1)}\n${P2} down 01/00:00\n${P1} down 10:00\n${P1} up 10:50\n${P1} down 10:55\n${P1} up 10:56`,
    want: { restoredAt: '03 10:56', settledAt: '03 11:06', outages: ['03 10:00-03 10:50', '03 10:55-03 10:56'],
      subjects: { [P1]: 'port up down 03 10:00-03 10:50 down 03 10:55-03 10:56', [P2]: 'port down down 01 00:00-…' } },
  }],
  ['an unknown stretch during the settling time restarts it', {
    customer: network('any'), report: report(at('10:05')), settle: 10, asOf: at('11:10'),
    observations: `${up(P1)}\n${P2} down 01/00:00\n${P1} down 10:00\n${P1} up 10:50\n${P1} unknown 10:52\n${P1} up 10:54`,
    want: { restoredAt: '03 10:54', settledAt: '03 11:04', outages: ['03 10:00-03 10:50'],
      subjects: { [P1]: 'port up down 03 10:00-03 10:50 unknown 03 10:52-03 10:54', [P2]: 'port down down 01 00:00-…' } },
  }],
  ['unknown at asOf: no notice on an unmeasured service', {
    customer: network('any'), report: report(at('10:05')), settle: 10, asOf: at('12:00'),
    observations: `${up(P1)}\n${P2} down 01/00:00\n${P1} down 10:00\n${P1} unknown 10:30`,
    want: { unknown: '03 10:30' },
  }],
  ['any: the other port never measured, so this port down is unknown, not down', {
    customer: network('any'), report: report(at('10:05')), settle: 10, asOf: at('11:00'),
    observations: `${up(P1)}\n${P1} down 10:00\n${P1} up 10:30`,
    want: { restoredAt: '03 10:30', settledAt: '03 10:40', outages: [],
      subjects: { [P1]: 'port up down 03 10:00-03 10:30', [P2]: 'port unknown unknown …-…' } },
  }],
  ['never measured', {
    customer: network('any'), report: report(at('10:05')), settle: 10, asOf: at('12:00'),
    observations: 'other/port up 10:00',
    want: { unknown: null },
  }],
  ['reported after the outage was over: ready at once, with the outage the rules match', {
    customer: network('any'), report: report(at('09:00', '04')), settle: 10, asOf: at('09:00', '04'),
    observations: `${up(P1, P2)}\n${P1} down 03:00\n${P2} down 03:00\n${P1} up 03:25\n${P2} up 03:25`,
    want: { restoredAt: '03 03:25', settledAt: '04 09:00', outages: ['03 03:00-03 03:25'],
      subjects: { [P1]: 'port up down 03 03:00-03 03:25', [P2]: 'port up down 03 03:00-03 03:25' } },
  }],
  ['an outage that began well after the report (beyond grace) is still the one it is about', {
    customer: network('all'), report: report(at('10:00')), settle: 0, asOf: at('11:00'),
    observations: `${up(P1, P2)}\n${P1} down 10:30\n${P1} up 10:40`,
    want: { restoredAt: '03 10:40', settledAt: '03 10:40', outages: ['03 10:30-03 10:40'],
      subjects: { [P1]: 'port up down 03 10:30-03 10:40', [P2]: 'port up' } },
  }],
];

describe('restoration-notice draft', () => {
  it.each(rows)('%s', (_name, r) => {
    const d = draftNotice({ report: r.report, customer: r.customer, observations: obs(r.observations), settlingMs: r.settle * MIN, asOf: r.asOf });
    expect(summary(d)).toEqual(r.want);
    if (d.state === 'ready') expect([d.draft.report, d.draft.customer, d.draft.draftedAt]).toEqual(['T-1', 'cust-a', r.asOf]);
  });

  it('ignores what was measured after asOf', () => {
    const o = obs(`${up(P1, P2)}\n${P1} down 10:00\n${P2} down 10:00\n${P1} up 10:50`);
    const asOf = at('10:45');
    expect(summary(draftNotice({ report: report(at('10:05')), customer: network('any'), observations: o, settlingMs: 0, asOf }))).toEqual({ down: '03 10:00' });
  });

  it('refuses a report that already has its notice, or one not received yet', () => {
    const base = { customer: network('any'), observations: [], settlingMs: 0, asOf: at('12:00') };
    expect(() => draftNotice({ ...base, report: report(at('10:05'), { noticeAt: at('11:00') }) })).toThrow('report T-1 already has its restoration notice');
    expect(() => draftNotice({ ...base, report: report(at('13:00')) })).toThrow('report T-1 was received after asOf');
    expect(() => draftNotice({ ...base, report: { ...report(at('10:05')), service: 'power' } })).toThrow('customer cust-a has no power service');
  });
});
