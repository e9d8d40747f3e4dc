/**
 * The advisory-lock keys the PostgreSQL store uses, in one place: advisory
 * locks are per database and share one key space, so two duties picking
 * the same number by accident would exclude each other. Keys are the
 * two-int form (namespace, id); the namespace is 'dcpr' in ASCII.
 */
const NAMESPACE = 0x64637072;

export const LOCKS = {
  /** Held for the transaction that migrates the schema (migrations.ts). */
  migrate: [NAMESPACE, 1],
  /** Held by the leader's session for as long as it leads (leader.ts). */
  leader: [NAMESPACE, 2],
  /**
   * Taken shared by every transaction that inserts observations, and briefly
   * exclusive by `observedSince` (observations.ts) to read a mark below which
   * every row is committed: ids are handed out at insert, not at commit.
   */
  observe: [NAMESPACE, 3],
} as const satisfies Record<string, readonly [number, number]>;

export type LockName = keyof typeof LOCKS;

/** In a transaction that inserts observations: lets `observedSince` wait for it (LOCKS.observe). */
export async function insertingObservations(tx: { query(text: string, values: unknown[]): Promise<unknown> }): Promise<void> {
  await tx.query('SELECT pg_advisory_xact_lock_shared($1, $2)', [...LOCKS.observe]);
}
