/** The api_tokens table (migration 5): tokens made through the admin API, by hash. */
import type pg from 'pg';
import { DcprobeError, E } from '@dcprobe/shared';
import type { ApiTokenRow, ApiTokenStore } from '../types.ts';

const COLS = `name, role, customer_id AS customer, token_hash AS "tokenHash", created_at AS "createdAt", created_by AS "createdBy",
  revoked_at AS "revokedAt", revoked_by AS "revokedBy"`;

export class ApiTokenTable implements ApiTokenStore {
  constructor(private readonly pool: pg.Pool) {}

  async apiTokens(): Promise<ApiTokenRow[]> {
    return (await this.pool.query<ApiTokenRow>(`SELECT ${COLS} FROM api_tokens ORDER BY created_at, name`)).rows;
  }

  async addApiToken(t: ApiTokenRow): Promise<void> {
    try {
      await this.pool.query(`INSERT INTO api_tokens (name, role, customer_id, token_hash, created_at, created_by, revoked_at, revoked_by)
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`, [t.name, t.role, t.customer, t.tokenHash, t.createdAt, t.createdBy, t.revokedAt, t.revokedBy]);
    } catch (e) {
      // 23505: unique_violation (the name or the hash is taken).
      if ((e as { code?: string }).code === '23505') throw new DcprobeError(E.CONFLICT, `token ${JSON.stringify(t.name)}: name or token already in use`);
      throw e;
    }
  }

  async revokeApiToken(name: string, at: number, by: string): Promise<boolean> {
    const r = await this.pool.query('UPDATE api_tokens SET revoked_at = $1, revoked_by = $2 WHERE name = $3 AND revoked_at IS NULL', [at, by, name]);
    return r.rowCount === 1;
  }
}
