/**
 * A drafted notice as the webhook carries it: every instant in the customer's
 * offset, open ends as null, the customer's words only as JSON string data.
 */
import { describe, expect, it } from 'vitest';
import type { NoticeDraft } from '../../../../collector/src/notices/draft.ts';
import { NOTICE_EVENT, noticePayload } from '../../../../collector/src/notices/message.ts';

const at = (s: string) => Date.parse(`2026-11-03T${s}:00+08:00`);
const draft: NoticeDraft = {
  report: 'T-1', customer: 'cust-a', service: 'network', reportedAt: at('10:05'), restoredAt: at('10:50'), settledAt: at('11:00'), draftedAt: at('11:02'),
  outages: [{ start: at('10:00'), end: at('10:50') }],
  subjects: [
    { subject: 'sw1/ge-0/0/1', role: 'port', notUp: [{ start: at('10:00'), end: at('10:50'), state: 'down' }], stateAtRestoration: 'up' },
    { subject: 'sw1/ge-0/0/2', role: 'port', notUp: [{ start: null, end: null, state: 'unknown' }], stateAtRestoration: 'unknown' },
  ],
};

describe('notice payload', () => {
  it('carries the evidence with instants in the customer\'s offset', () => {
    const p = noticePayload(draft, { noticeId: 'N-1', timezone: 'Europe/Berlin' });
    expect(JSON.parse(JSON.stringify(p))).toEqual({
      type: NOTICE_EVENT,
      notice: {
        id: 'N-1', report: 'T-1', customer: 'cust-a', service: 'network',
        reportedAt: '2026-11-03T03:05:00+01:00', restoredAt: '2026-11-03T03:50:00+01:00', settledAt: '2026-11-03T04:00:00+01:00',
        outages: [{ start: '2026-11-03T03:00:00+01:00', end: '2026-11-03T03:50:00+01:00' }],
        subjects: [
          { subject: 'sw1/ge-0/0/1', role: 'port', stateAtRestoration: 'up', notUp: [{ state: 'down', start: '2026-11-03T03:00:00+01:00', end: '2026-11-03T03:50:00+01:00' }] },
          { subject: 'sw1/ge-0/0/2', role: 'port', stateAtRestoration: 'unknown', notUp: [{ state: 'unknown', start: null, end: null }] },
        ],
      },
    });
  });
});
