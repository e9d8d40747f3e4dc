import { describe, expect, it } from 'vitest';
import snmp from 'net-snmp';
import { E } from '@dcprobe/shared';
import { toError } from '../../../agent/src/snmp/errors.ts';
import { openSnmp } from '../../../agent/src/snmp/client.ts';
import type { SnmpTarget } from '../../../agent/src/snmp/types.ts';

const t: SnmpTarget = { host: '192.0.2.7', port: 161, version: '2c', community: 'S3cret', timeoutMs: 1000, retries: 1, maxRepetitions: 25, maxVarbinds: 48, bulk: 'auto' };
const sys = (code: string, message: string) => Object.assign(new Error(message), { code });

describe('SNMP errors name the device and keep their cause', () => {
  it.each([
    [new snmp.RequestTimedOutError('Request timed out'), E.SNMP_TIMEOUT, 'no response from 192.0.2.7:161 after 2 tries'],
    [sys('ENOTFOUND', 'getaddrinfo ENOTFOUND sw9.example'), E.SNMP_ERROR, 'cannot send to 192.0.2.7:161: ENOTFOUND (the host name is not in DNS)'],
    [sys('EAI_AGAIN', 'getaddrinfo EAI_AGAIN sw9.example'), E.SNMP_ERROR, 'cannot send to 192.0.2.7:161: EAI_AGAIN (DNS did not answer; retried at the next poll)'],
    [sys('EACCES', 'send EACCES 192.0.2.255:161'), E.SNMP_ERROR, 'cannot send to 192.0.2.7:161: EACCES (the system refused to send there (a broadcast address?))'],
    [sys('ERR_OSSL_EVP_UNSUPPORTED', 'error:0308010C:digital envelope routines::unsupported'), E.SNMP_ERROR,
      'SNMP failure talking to 192.0.2.7:161: ERR_OSSL_EVP_UNSUPPORTED (a cipher this Node.js lacks: DES needs OpenSSL\'s legacy provider)'],
    [new snmp.ResponseInvalidError('Message with engineBoots …', snmp.ResponseInvalidCode.ENotInTimeWindow), E.SNMP_AUTH,
      'SNMPv3 engine of 192.0.2.7:161 answers outside its time window (ENotInTimeWindow)'],
    [new snmp.ResponseInvalidError('Wrong Digest (incorrect password, community or key)', snmp.ResponseInvalidCode.EAuthFailure), E.SNMP_AUTH,
      'SNMPv3 credentials rejected by 192.0.2.7:161: Wrong Digest (incorrect password, community or key)'],
    [new snmp.ResponseInvalidError("Community 'S3cret' in request does not match", snmp.ResponseInvalidCode.ECommunityNoMatch), E.SNMP_ERROR,
      'invalid response from 192.0.2.7:161 (ECommunityNoMatch)'],
  ])('%s', (err, code, message) => {
    const e = toError(err, t);
    expect(e).toMatchObject({ code, message });
    expect(e.message).not.toContain('S3cret');
    if ((err as { code?: unknown }).code && typeof (err as { code?: unknown }).code === 'string') expect(e.cause).toBe(err);
  });

  it('a v3 refusal that survives a new session says so', () => {
    const err = new snmp.ResponseInvalidError('…', snmp.ResponseInvalidCode.ENotInTimeWindow);
    expect(toError(err, t, true).message).toBe('SNMPv3 engine of 192.0.2.7:161 answers outside its time window even to a new session with engine discovery (its clock or boot counter is inconsistent) (ENotInTimeWindow)');
  });

  it('a broadcast address fails at once with its cause, through the real client (loopback broadcast, nothing sent)', async () => {
    const c = openSnmp({ ...t, host: '127.255.255.255', port: 16_199 });
    try {
      const err = await c.get(['1.3.6.1.2.1.1.3.0']).catch((e: unknown) => e);
      expect(err).toMatchObject({ code: E.SNMP_ERROR, message: 'cannot send to 127.255.255.255:16199: EACCES (the system refused to send there (a broadcast address?))' });
      expect((err as Error).cause).toMatchObject({ code: 'EACCES' });
    } finally { c.close(); }
  });
});
