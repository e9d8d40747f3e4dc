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
  // SLA ledger and current state all go by subject, served by observations_subject_at),
  // and each index costs every ingested event a B-tree insert (~15 % of SQLite's CPU per row).
  `
  DROP INDEX observations_at;
  `,
  // 4: how far the store holds the ingest journal (store/sqlite/journal.ts), a
  // file of its own whose rows an ack promises; moved into observations in
  // the same transaction as this mark.
  `
  CREATE TABLE ingest_projection (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    through INTEGER NOT NULL
  ) STRICT;
  `,
  // 5: subjects and agents by integer key in the observation rows. Text keys
  // made both indexes of every projected event wide (a 20-byte subject, a
  // 15-byte agent id): integer keys cut SQLite's CPU per event from 7.4–9.3 to
  // 5.7–5.9 µs (docs/benchmarks.md "Validation without zod, integer keys"), and the file shrinks with
  // them. Readers keep the \`observations\` view with the same columns as before;
  // the writers (store/sqlite/rows.ts) insert the rows.
  `
  CREATE TABLE subjects (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE) STRICT;
  CREATE TABLE agent_keys (id INTEGER PRIMARY KEY, agent_id TEXT NOT NULL UNIQUE) STRICT;
  CREATE TABLE observation_rows (
    id INTEGER PRIMARY KEY,
    subject_id INTEGER NOT NULL REFERENCES subjects(id),
    kind TEXT NOT NULL CHECK (kind IN ('port','power')),
    state TEXT NOT NULL,
    at INTEGER NOT NULL,
    via TEXT NOT NULL,
    agent_key INTEGER REFERENCES agent_keys(id),
    seq INTEGER,
    received_at INTEGER NOT NULL,
    evidence TEXT
  ) STRICT;
  INSERT INTO subjects (name) SELECT DISTINCT subject FROM observations ORDER BY subject;
  INSERT INTO agent_keys (agent_id) SELECT DISTINCT agent_id FROM observations WHERE agent_id IS NOT NULL ORDER BY agent_id;
  INSERT INTO observation_rows (id, subject_id, kind, state, at, via, agent_key, seq, received_at, evidence)
    SELECT o.id, s.id, o.kind, o.state, o.at, o.via, k.id, o.seq, o.received_at, o.evidence
    FROM observations o JOIN subjects s ON s.name = o.subject LEFT JOIN agent_keys k ON k.agent_id = o.agent_id ORDER BY o.id;
  DROP TABLE observations;
  CREATE UNIQUE INDEX observation_rows_agent_seq ON observation_rows(agent_key, seq) WHERE seq IS NOT NULL;
  CREATE INDEX observation_rows_subject_at ON observation_rows(subject_id, at);
  CREATE VIEW observations AS
    SELECT r.id, s.name AS subject, r.kind, r.state, r.at, r.via, k.agent_id, r.seq, r.received_at, r.evidence
    FROM observation_rows r JOIN subjects s ON s.id = r.subject_id LEFT JOIN agent_keys k ON k.id = r.agent_key;
  `,
  // 6: API tokens made through the admin API, by hash only; revoking marks
  // the row (kept: who made and revoked which token stays readable). And who
  // entered each report: every report before this was entered by the NOC.
  `
  ALTER TABLE report_versions ADD COLUMN source TEXT NOT NULL DEFAULT 'noc' CHECK (source IN ('noc','customer'));
  CREATE TABLE api_tokens (
    name TEXT PRIMARY KEY,
    role TEXT NOT NULL CHECK (role IN ('read','write','admin','customer')),
    customer_id TEXT CHECK ((role = 'customer') = (customer_id IS NOT NULL)),
    token_hash TEXT NOT NULL UNIQUE,
    created_at INTEGER NOT NULL,
    created_by TEXT NOT NULL,
    revoked_at INTEGER,
    revoked_by TEXT
  ) STRICT;
  `,
];

