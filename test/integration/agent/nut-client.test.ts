import { afterEach, describe, expect, it } from 'vitest';
import { E } from '@dcprobe/shared';
import { NutClient, type NutClientOptions } from '../../../agent/src/nut/client.ts';
import { isNutError } from '../../../agent/src/nut/errors.ts';
import { selfSignedCert, startNutPeer, type NutPeer } from './nut-peer.ts';

let peer: NutPeer | null = null;
let client: NutClient | null = null;

afterEach(async () => {
  client?.close();
  client = null;
  await peer?.close();
  peer = null;
});

function open(p: NutPeer, extra: Partial<NutClientOptions> = {}): NutClient {
  client = new NutClient({ host: '127.0.0.1', port: p.port, timeoutMs: 1000, tls: 'off', ...extra });
  return client;
}

const UPS = {
  rackA: { desc: 'Rack A "main"', vars: { 'ups.status': 'OL CHRG', 'battery.charge': '100' } },
  rackB: { vars: { 'ups.status': 'OB DISCHRG' } },
};

describe('NutClient against a TCP peer speaking the protocol', () => {
  it('runs LIST UPS, LIST VAR and GET VAR on one reused connection', async () => {
    peer = await startNutPeer({ ups: UPS });
    const c = open(peer);
    expect(await c.listUps()).toEqual(new Map([['rackA', 'Rack A "main"'], ['rackB', 'Unavailable']]));
    expect((await c.listVars('rackA')).get('ups.status')).toBe('OL CHRG');
    expect(await c.getVar('rackB', 'ups.status')).toBe('OB DISCHRG');
    expect(peer.sessions).toHaveLength(1);
    expect(peer.sessions[0]).toEqual(['LIST UPS', 'LIST VAR rackA', 'GET VAR rackB ups.status']);
  });

  it('keeps commands issued together in order on the one connection', async () => {
    peer = await startNutPeer({ ups: UPS });
    const c = open(peer);
    const [a, b, list] = await Promise.all([c.getVar('rackA', 'ups.status'), c.getVar('rackB', 'ups.status'), c.listUps()]);
    expect([a, b, [...list.keys()]]).toEqual(['OL CHRG', 'OB DISCHRG', ['rackA', 'rackB']]);
    expect(peer.sessions).toHaveLength(1);
  });

  it('frames replies that arrive one byte at a time', async () => {
    peer = await startNutPeer({ ups: UPS });
    peer.trickle = true;
    const vars = await open(peer).listVars('rackA');
    expect(Object.fromEntries(vars)).toEqual(UPS.rackA.vars);
  });

  it.each(['DATA-STALE', 'DRIVER-NOT-CONNECTED'])('turns ERR %s into a coded error with the NUT name', async (name) => {
    peer = await startNutPeer({ ups: { dev: { vars: {}, error: name } } });
    const err = await open(peer).listVars('dev').catch((e: unknown) => e);
    expect(isNutError(err, name)).toBe(true);
    expect(err).toMatchObject({ code: E.NUT_ERROR, message: expect.stringContaining(`ERR ${name} (LIST VAR dev)`) });
  });

  it('reports UNKNOWN-UPS and keeps the connection usable afterwards', async () => {
    peer = await startNutPeer({ ups: UPS });
    const c = open(peer);
    await expect(c.getVar('nope', 'ups.status')).rejects.toMatchObject({ nutName: 'UNKNOWN-UPS' });
    expect(await c.getVar('rackA', 'ups.status')).toBe('OL CHRG');
    expect(peer.sessions).toHaveLength(1);
  });

  it('times out with NUT_TIMEOUT, then reconnects for the next command', async () => {
    peer = await startNutPeer({ ups: UPS });
    peer.hang.add('LIST VAR rackB');
    const c = open(peer, { timeoutMs: 200 });
    const err = await c.listVars('rackB').catch((e: unknown) => e);
    expect(err).toMatchObject({ code: E.NUT_TIMEOUT, nutName: 'TIMEOUT' });
    expect(await c.getVar('rackA', 'ups.status')).toBe('OL CHRG');
    expect(peer.sessions).toHaveLength(2);
  });

  it('fails fast with CONNECT-FAILED when nothing listens', async () => {
    peer = await startNutPeer();
    const port = peer.port;
    await peer.close();
    peer = null;
    client = new NutClient({ host: '127.0.0.1', port, timeoutMs: 1000, tls: 'off' });
    await expect(client.listUps()).rejects.toMatchObject({ code: E.NUT_ERROR, nutName: 'CONNECT-FAILED' });
  });

  it('logs in with USERNAME/PASSWORD and never puts the password in an error', async () => {
    peer = await startNutPeer({ ups: UPS, login: { username: 'mon', password: 'pass word"1' } });
    expect(await open(peer, { username: 'mon', password: 'pass word"1' }).getVar('rackA', 'ups.status')).toBe('OL CHRG');
    expect(peer.sessions[0]!.slice(0, 2)).toEqual(['USERNAME mon', 'PASSWORD "pass word\\"1"']);
    client!.close();
    const err = await open(peer, { username: 'mon', password: 'wrong-secret' }).listUps().catch((e: unknown) => e);
    expect(err).toMatchObject({ nutName: 'ACCESS-DENIED' });
    expect(String((err as Error).message)).not.toContain('wrong-secret');
  });

  describe('STARTTLS', () => {
    const cert = selfSignedCert();

    it('upgrades with tls require and checks the certificate against the CA', async () => {
      peer = await startNutPeer({ ups: UPS, tls: cert });
      const c = open(peer, { tls: 'require', ca: cert.cert });
      expect(await c.getVar('rackA', 'ups.status')).toBe('OL CHRG');
      expect(c.tlsActive).toBe(true);
      expect(peer.sessions[0]).toEqual(['STARTTLS', 'GET VAR rackA ups.status']);
    });

    it('refuses an untrusted certificate', async () => {
      peer = await startNutPeer({ ups: UPS, tls: cert });
      await expect(open(peer, { tls: 'require' }).listUps()).rejects.toMatchObject({ nutName: 'TLS-FAILED' });
    });

    it('stays in clear with tls try when upsd has no TLS', async () => {
      peer = await startNutPeer({ ups: UPS });
      const c = open(peer, { tls: 'try' });
      expect(await c.getVar('rackA', 'ups.status')).toBe('OL CHRG');
      expect(c.tlsActive).toBe(false);
    });

    it('never sends the password in clear after a STARTTLS refusal with tls try (a refusal is one forgeable line)', async () => {
      // This peer has no TLS: it answers STARTTLS with ERR FEATURE-NOT-CONFIGURED, as an attacker on the path would.
      peer = await startNutPeer({ ups: UPS, login: { username: 'mon', password: 's3cret-pass' } });
      const c = open(peer, { tls: 'try', username: 'mon', password: 's3cret-pass' });
      const err = await c.listUps().catch((e: unknown) => e);
      expect(err).toMatchObject({ code: E.NUT_ERROR, nutName: 'ACCESS-DENIED' });
      expect((err as Error).message).toMatch(/STARTTLS.*tls: require/);
      expect((err as Error).message).not.toContain('s3cret');
      expect(peer.sessions.flat()).toEqual(['STARTTLS', 'LIST UPS']);
      expect(c.credentialsWithheld).toBe(true);
    });

    it('reads without logging in after a STARTTLS refusal with tls try, where upsd allows reads', async () => {
      peer = await startNutPeer({ ups: UPS });
      const c = open(peer, { tls: 'try', username: 'mon', password: 's3cret-pass' });
      expect(await c.getVar('rackA', 'ups.status')).toBe('OL CHRG');
      expect(peer.sessions[0]).toEqual(['STARTTLS', 'GET VAR rackA ups.status']);
    });

    it('logs in inside TLS with tls try when upsd offers STARTTLS', async () => {
      peer = await startNutPeer({ ups: UPS, tls: cert, login: { username: 'mon', password: 's3cret-pass' } });
      const c = open(peer, { tls: 'try', ca: cert.cert, username: 'mon', password: 's3cret-pass' });
      expect(await c.getVar('rackA', 'ups.status')).toBe('OL CHRG');
      expect([c.tlsActive, c.credentialsWithheld]).toEqual([true, false]);
      expect(peer.sessions[0]).toEqual(['STARTTLS', 'USERNAME mon', 'PASSWORD s3cret-pass', 'GET VAR rackA ups.status']);
    });

    it('fails with tls require when upsd has no TLS', async () => {
      peer = await startNutPeer({ ups: UPS });
      await expect(open(peer, { tls: 'require' }).listUps()).rejects.toMatchObject({ nutName: 'FEATURE-NOT-CONFIGURED' });
    });
  });
});
