/**
 * Frozen month-end statements: a customer's list with each file's SHA-256, and
 * each file as it was issued (the bytes the digests were computed over). A
 * revised statement is listed beside the one it revises, never in its place:
 * both are retrievable, each under its own file names (…-r0.pdf, …-r1.pdf).
 */
import { DcprobeError, E, formatInstant } from '@dcprobe/shared';
import type { Route } from '../http/router.ts';
import { zoneOf, type ApiContext } from './context.ts';
import { monthParam, respond } from './http.ts';
import { statementId } from '../statements/artefact.ts';

export function statementRoutes(ctx: ApiContext): Route[] {
  const store = () => {
    if (!ctx.statements) throw new DcprobeError(E.NOT_FOUND, 'month-end statements are not configured (statements in the config)');
    return ctx.statements.store;
  };
  return [
    {
      method: 'GET', path: '/api/v1/customers/{id}/statements', access: { role: 'read', customer: { param: 'id' } }, handler: async ({ req, res, url, params }) => {
        const tz = zoneOf(ctx, params.id!);
        const list = await store().statements(params.id!, monthParam(url, false));
        respond(req, res, url, 200, {
          statements: list.map((s) => ({
            id: s.id, customer: s.customer, month: s.month, revision: s.revision, issuedAt: formatInstant(s.issuedAt, tz), reason: s.reason,
            // A revision cites the one before it (its manifest names it with its digest and lists what changed).
            revises: s.revision === 0 ? null : statementId(s.customer, s.month, s.revision - 1),
            files: s.files.map((f) => ({ name: f.name, mediaType: f.mediaType, size: f.content.length, sha256: f.sha256 })),
          })),
        });
      },
    },
    {
      method: 'GET', path: '/api/v1/customers/{id}/statements/{month}/{file}', access: { role: 'read', customer: { param: 'id' } }, handler: async ({ req, res, params }) => {
        zoneOf(ctx, params.id!);
        const f = (await store().statements(params.id!, params.month!)).flatMap((s) => s.files).find((x) => x.name === params.file);
        if (!f) throw new DcprobeError(E.NOT_FOUND, `no statement file ${JSON.stringify(params.file)} for ${params.id} ${params.month}`);
        res.writeHead(200, {
          'content-type': f.mediaType, 'content-length': String(f.content.length), 'cache-control': 'no-store',
          'content-disposition': `attachment; filename="${f.name.replace(/[^A-Za-z0-9._-]/g, '_')}"`, 'x-content-sha256': f.sha256,
        });
        res.end(f.content);
      },
    },
  ];
}
