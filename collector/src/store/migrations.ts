/**
 * Schema migrations, applied in order inside one transaction each and tracked
 * by PRAGMA user_version. Never edit a shipped migration: add the next one.
 */
export const MIGRATIONS: readonly string[] = [
  // 1: the measurement stream and the agents that send it
  `
  CREATE TABLE agents (
    id TEXT PRIMARY KEY,
    committed_seq INTEGER NOT NULL DEFAULT 0,
    first_seen INTEGER,
    last_seen INTEGER,
    clock_offset_ms INTEGER,
    version TEXT,
    host TEXT
  ) STRICT;
  CREATE TABLE observations (
    id INTEGER PRIMARY KEY,
    subject TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('port','power')),
    state TEXT NOT NULL,
    at INTEGER NOT NULL,
    via TEXT NOT NULL,
    agent_id TEXT,
    seq INTEGER,
    received_at INTEGER NOT NULL,
    evidence TEXT
  ) STRICT;
  CREATE UNIQUE INDEX observations_agent_seq ON observations(agent_id, seq) WHERE seq IS NOT NULL;
  CREATE INDEX observations_subject_at ON observations(subject, at);
  CREATE INDEX observations_at ON observations(at);
  -- events that failed validation: kept verbatim (nothing is lost), their seq counts as consumed
  CREATE TABLE rejected_events (
    id INTEGER PRIMARY KEY,
    agent_id TEXT NOT NULL,
    seq INTEGER,
    received_at INTEGER NOT NULL,
    reason TEXT NOT NULL,
    raw TEXT NOT NULL
  ) STRICT;
  CREATE UNIQUE INDEX rejected_agent_seq ON rejected_events(agent_id, seq) WHERE seq IS NOT NULL;
  -- periods when an agent was silent (heartbeat timeout) or lost events (outbox overflow)
  CREATE TABLE agent_gaps (
    id INTEGER PRIMARY KEY,
    agent_id TEXT NOT NULL,
    start INTEGER NOT NULL,
    end INTEGER,
    reason TEXT NOT NULL,
    lost_from_seq INTEGER,
    lost_to_seq INTEGER
  ) STRICT;
  `,
];
