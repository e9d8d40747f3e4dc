/** The api_tokens table (migration 9): tokens made through the admin API, by hash. */
import { DcprobeError, E } from '@dcprobe/shared';
import type { ApiTokenRow, ApiTokenStore } from '../types.ts';
import type { Db } from './db.ts';

const COLS = `name, role, customer_id customer, token_hash tokenHash, created_at createdAt, created_by createdBy,
  revoked_at revokedAt, revoked_by revokedBy`;

export class ApiTokenTable implements ApiTokenStore {
  private readonly all;
  private readonly ins;
  private readonly revoke;

  constructor(db: Db) {
    this.all = db.prepare(`SELECT ${COLS} FROM api_tokens ORDER BY created_at, name`);
    this.ins = db.prepare(`INSERT INTO api_tokens (name, role, customer_id, token_hash, created_at, created_by, revoked_at, revoked_by)
      VALUES (@name, @role, @customer, @tokenHash, @createdAt, @createdBy, @revokedAt, @revokedBy)`);
    this.revoke = db.prepare('UPDATE api_tokens SET revoked_at = ?, revoked_by = ? WHERE name = ? AND revoked_at IS NULL');
  }

  async apiTokens(): Promise<ApiTokenRow[]> { return this.all.all() as ApiTokenRow[]; }

  async addApiToken(t: ApiTokenRow): Promise<void> {
    try {
      this.ins.run(t);
    } catch (e) {
      if ((e as { code?: string }).code?.startsWith('SQLITE_CONSTRAINT')) throw new DcprobeError(E.CONFLICT, `token ${JSON.stringify(t.name)}: name or token already in use`);
      throw e;
    }
  }

  async revokeApiToken(name: string, at: number, by: string): Promise<boolean> {
    return this.revoke.run(at, by, name).changes === 1;
  }
}
