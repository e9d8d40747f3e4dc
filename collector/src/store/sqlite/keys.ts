/**
 * The integer keys of subjects and agents in observation_rows (migration 5),
 * made on first use and cached per connection. A key made inside a
 * transaction that then rolls back is gone from the file, so it must go from
 * the cache too: whoever owns the transaction ends it here with `commit()` or
 * `rollback()`. Keys are made only in the outermost transaction, never inside
 * a savepoint that could be undone alone (the projector makes a frame's keys
 * before its savepoint).
 */
import type { Db } from './db.ts';

export class Keys {
  private readonly subjects = new Map<string, number>();
  private readonly agents = new Map<string, number>();
  /** Keys made since the last commit(): forgotten on rollback(). */
  private made: [Map<string, number>, string][] = [];
  private readonly getSubject;
  private readonly putSubject;
  private readonly getAgent;
  private readonly putAgent;

  constructor(db: Db) {
    this.getSubject = db.prepare('SELECT id FROM subjects WHERE name = ?').pluck();
    this.putSubject = db.prepare('INSERT INTO subjects (name) VALUES (?)');
    this.getAgent = db.prepare('SELECT id FROM agent_keys WHERE agent_id = ?').pluck();
    this.putAgent = db.prepare('INSERT INTO agent_keys (agent_id) VALUES (?)');
  }

  subject(name: string): number {
    return this.subjects.get(name) ?? this.find(this.subjects, name, this.getSubject, this.putSubject);
  }

  agent(id: string | null): number | null {
    if (id === null) return null;
    return this.agents.get(id) ?? this.find(this.agents, id, this.getAgent, this.putAgent);
  }

  commit(): void {
    this.made = [];
  }

  rollback(): void {
    for (const [cache, name] of this.made) cache.delete(name);
    this.made = [];
  }

  private find(cache: Map<string, number>, name: string, get: { get(n: string): unknown }, put: { run(n: string): { lastInsertRowid: number | bigint } }): number {
    let id = get.get(name) as number | undefined;
    if (id === undefined) {
      id = Number(put.run(name).lastInsertRowid);
      this.made.push([cache, name]);
    }
    cache.set(name, id);
    return id;
  }
}
