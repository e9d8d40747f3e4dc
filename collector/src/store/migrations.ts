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
  // 2: the SLA ledger (collector/src/ledger): append-only versions of customers,
  // reports and exclusions, and an audit trail. Triggers refuse UPDATE and DELETE so
  // a correction can only ever be a new version.
  `
  CREATE TABLE customer_versions (
    id INTEGER PRIMARY KEY,
    customer_id TEXT NOT NULL,
    version INTEGER NOT NULL,
    valid_from INTEGER NOT NULL,
    spec TEXT NOT NULL,
    source TEXT NOT NULL CHECK (source IN ('config','api')),
    recorded_at INTEGER NOT NULL,
    recorded_by TEXT NOT NULL,
    UNIQUE (customer_id, version)
  ) STRICT;
  CREATE TABLE report_versions (
    id INTEGER PRIMARY KEY,
    report_id TEXT NOT NULL,
    version INTEGER NOT NULL,
    change TEXT NOT NULL CHECK (change IN ('create','correct','notice')),
    customer_id TEXT NOT NULL,
    service TEXT NOT NULL CHECK (service IN ('network','power')),
    reported_at INTEGER NOT NULL,
    notice_at INTEGER,
    claimed_start INTEGER,
    claimed_end INTEGER,
    first_response_at INTEGER,
    text TEXT,
    reason TEXT,
    recorded_at INTEGER NOT NULL,
    recorded_by TEXT NOT NULL,
    UNIQUE (report_id, version)
  ) STRICT;
  CREATE INDEX report_versions_customer ON report_versions(customer_id, reported_at);
  CREATE TABLE exclusion_versions (
    id INTEGER PRIMARY KEY,
    exclusion_id TEXT NOT NULL,
    version INTEGER NOT NULL,
    change TEXT NOT NULL CHECK (change IN ('create','correct','withdraw')),
    customer_id TEXT,
    service TEXT CHECK (service IN ('network','power')),
    start INTEGER NOT NULL,
    end INTEGER NOT NULL,
    category TEXT NOT NULL,
    ref TEXT NOT NULL,
    withdrawn INTEGER NOT NULL DEFAULT 0,
    reason TEXT,
    recorded_at INTEGER NOT NULL,
    recorded_by TEXT NOT NULL,
    UNIQUE (exclusion_id, version)
  ) STRICT;
  CREATE TABLE audit (
    id INTEGER PRIMARY KEY,
    at INTEGER NOT NULL,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    entity TEXT NOT NULL,
    entity_id TEXT NOT NULL,
    version INTEGER,
    detail TEXT
  ) STRICT;
  CREATE INDEX audit_entity ON audit(entity, entity_id);
  CREATE TRIGGER customer_versions_no_update BEFORE UPDATE ON customer_versions BEGIN SELECT RAISE(ABORT, 'customer_versions is append-only'); END;
  CREATE TRIGGER customer_versions_no_delete BEFORE DELETE ON customer_versions BEGIN SELECT RAISE(ABORT, 'customer_versions is append-only'); END;
  CREATE TRIGGER report_versions_no_update BEFORE UPDATE ON report_versions BEGIN SELECT RAISE(ABORT, 'report_versions is append-only'); END;
  CREATE TRIGGER report_versions_no_delete BEFORE DELETE ON report_versions BEGIN SELECT RAISE(ABORT, 'report_versions is append-only'); END;
  CREATE TRIGGER exclusion_versions_no_update BEFORE UPDATE ON exclusion_versions BEGIN SELECT RAISE(ABORT, 'exclusion_versions is append-only'); END;
  CREATE TRIGGER exclusion_versions_no_delete BEFORE DELETE ON exclusion_versions BEGIN SELECT RAISE(ABORT, 'exclusion_versions is append-only'); END;
  CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit BEGIN SELECT RAISE(ABORT, 'audit is append-only'); END;
  CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit BEGIN SELECT RAISE(ABORT, 'audit is append-only'); END;
  `,
  // 3: no query reads observations by time alone (reconciliation, the live
  // ledger and current state all go by subject, served by observations_subject_at),
  // and each index costs every ingested event a B-tree insert (~15 % of SQLite's CPU per row).
  `
  DROP INDEX observations_at;
  `,
  // 4: how far the store holds the ingest journal (ingest/journal.ts), a
  // file of its own whose rows an ack promises; moved into observations in
  // the same transaction as this mark.
  `
  CREATE TABLE ingest_projection (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    through INTEGER NOT NULL
  ) STRICT;
  `,
];

