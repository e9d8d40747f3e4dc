/**
 * API tokens carry a role: read < write < admin. A missing or wrong token is
 * 401, a token without the role is 403. Tokens are compared by hash.
 */
import type { IncomingMessage } from 'node:http';
import { DcprobeError, E } from '@dcprobe/shared';
import { bearer, hashToken } from '../tokens.ts';
import type { Role } from '../config.ts';

const RANK: Record<Role, number> = { read: 1, write: 2, admin: 3 };

export interface ApiPrincipal { name: string; role: Role }

export function makeApiAuth(tokens: readonly { name: string; role: Role; tokenHash: string }[]) {
  const byHash = new Map(tokens.map((t) => [t.tokenHash, { name: t.name, role: t.role }]));
  return function authorize(req: IncomingMessage, need: Role): ApiPrincipal {
    const tok = bearer(req.headers.authorization);
    if (!tok) throw new DcprobeError(E.UNAUTHORIZED, 'missing bearer token');
    const p = byHash.get(hashToken(tok));
    if (!p) throw new DcprobeError(E.UNAUTHORIZED, 'unknown API token');
    if (RANK[p.role] < RANK[need]) throw new DcprobeError(E.FORBIDDEN, `role ${need} required (token has ${p.role})`);
    return p;
  };
}
