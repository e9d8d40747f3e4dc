/**
 * The router answers every failure with a coded JSON error whose status comes
 * from one table: unknown path 404, wrong method 405, a conflict 409, and a
 * failure that is not coded 500 without its details.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DcprobeError, E } from '@dcprobe/shared';
import { compile, sendJson } from '../../../collector/src/http/router.ts';

describe('router errors', () => {
  let server: http.Server;
  let url: string;
  beforeAll(async () => {
    const handle = compile([
      { method: 'GET', path: '/items/{id}', access: { role: 'public' }, handler: ({ res, params }) => sendJson(res, 200, { id: params.id }) },
      { method: 'PUT', path: '/items/{id}', access: { role: 'public' }, handler: () => { throw new DcprobeError(E.CONFLICT, 'item 7 changed since version 2'); } },
      { method: 'GET', path: '/boom', access: { role: 'public' }, handler: () => { throw new Error('disk /var/secret failed'); } },
    ], async () => null);
    server = http.createServer((req, res) => { void handle(req, res); });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => { await new Promise((r) => server.close(r)); });

  it.each([
    ['GET', '/items/7', 200, undefined],
    ['GET', '/nothing', 404, E.NOT_FOUND],
    ['DELETE', '/items/7', 405, E.METHOD_NOT_ALLOWED],
    ['PUT', '/items/7', 409, E.CONFLICT],
    ['GET', '/boom', 500, E.INTERNAL],
  ])('%s %s → %i %s', async (method, path, status, code) => {
    const r = await fetch(`${url}${path}`, { method });
    const body = await r.json() as { error?: { code: string; message: string } };
    expect(r.status).toBe(status);
    expect(body.error?.code).toBe(code);
    if (status === 500) expect(body.error?.message).toBe('internal error');
  });
});
