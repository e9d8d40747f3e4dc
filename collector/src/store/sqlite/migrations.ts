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
  // 6: hidden flaps (docs/sla-rules.md §2): a subject left its state and came
  // back between two polls, bounded by \`since\` and \`at\`. Evidence beside the
  // observations, never a state: current state and measured time never read it.
  // Its (agent, seq) guard is the observations' one: an agent numbers both alike.
  `
  CREATE TABLE hidden_flap_rows (
    id INTEGER PRIMARY KEY,
    subject_id INTEGER NOT NULL REFERENCES subjects(id),
    since INTEGER NOT NULL,
    at INTEGER NOT NULL CHECK (at >= since),
    agent_key INTEGER REFERENCES agent_keys(id),
    seq INTEGER,
    received_at INTEGER NOT NULL,
    evidence TEXT
  ) STRICT;
  CREATE UNIQUE INDEX hidden_flap_rows_agent_seq ON hidden_flap_rows(agent_key, seq) WHERE seq IS NOT NULL;
  CREATE INDEX hidden_flap_rows_subject_at ON hidden_flap_rows(subject_id, at);
  CREATE VIEW hidden_flaps AS
    SELECT r.id, s.name AS subject, r.since, r.at, k.agent_id, r.seq, r.received_at, r.evidence
    FROM hidden_flap_rows r JOIN subjects s ON s.id = r.subject_id LEFT JOIN agent_keys k ON k.id = r.agent_key;
  `,
  // 7: the hash chain (store/chain.ts, store/sqlite/chain.ts): one link per
  // table per write transaction, each hashing the rows it added and the link
  // before it. Append-only like the ledger. The rows already stored are sealed
  // by one link per table when this migration runs (db.ts).
  `
  CREATE TABLE store_chain (
    id INTEGER PRIMARY KEY,
    tbl TEXT NOT NULL,
    first_id INTEGER NOT NULL,
    last_id INTEGER NOT NULL,
    prev TEXT NOT NULL,
    hash TEXT NOT NULL
  ) STRICT;
  CREATE TRIGGER store_chain_no_update BEFORE UPDATE ON store_chain BEGIN SELECT RAISE(ABORT, 'store_chain is append-only'); END;
  CREATE TRIGGER store_chain_no_delete BEFORE DELETE ON store_chain BEGIN SELECT RAISE(ABORT, 'store_chain is append-only'); END;
  `,
  // 8: restoration notices, their deliveries with every attempt, and frozen
  // statements with their files. One notice per report and one delivery per
  // item and channel: a restart that drafts or confirms again writes nothing twice.
  `
  CREATE TABLE notices (
    id TEXT PRIMARY KEY,
    report_id TEXT NOT NULL UNIQUE,
    customer_id TEXT NOT NULL,
    draft TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('drafted','confirmed','delivered','failed')),
    drafted_at INTEGER NOT NULL,
    confirmed_at INTEGER,
    confirmed_by TEXT,
    delivered_at INTEGER
  ) STRICT;
  CREATE INDEX notices_customer ON notices(customer_id, drafted_at);
  CREATE TABLE deliveries (
    id TEXT PRIMARY KEY,
    item_kind TEXT NOT NULL CHECK (item_kind IN ('notice','statement')),
    item_id TEXT NOT NULL,
    channel TEXT NOT NULL CHECK (channel IN ('webhook','email')),
    customer_id TEXT NOT NULL,
    target TEXT NOT NULL,
    content TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('pending','sending','delivered','failed')),
    next_attempt_at INTEGER,
    receipt_at INTEGER,
    receipt_response TEXT,
    UNIQUE (item_kind, item_id, channel)
  ) STRICT;
  CREATE INDEX deliveries_open ON deliveries(status) WHERE status IN ('pending','sending');
  CREATE TABLE delivery_attempts (
    delivery_id TEXT NOT NULL REFERENCES deliveries(id),
    n INTEGER NOT NULL,
    started_at INTEGER NOT NULL,
    ended_at INTEGER,
    outcome TEXT,
    PRIMARY KEY (delivery_id, n)
  ) STRICT;
  CREATE TABLE statements (
    id TEXT PRIMARY KEY,
    customer_id TEXT NOT NULL,
    month TEXT NOT NULL,
    revision INTEGER NOT NULL,
    issued_at INTEGER NOT NULL,
    reason TEXT,
    UNIQUE (customer_id, month, revision)
  ) STRICT;
  CREATE TABLE statement_files (
    statement_id TEXT NOT NULL REFERENCES statements(id),
    name TEXT NOT NULL,
    media_type TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    content BLOB NOT NULL,
    PRIMARY KEY (statement_id, name)
  ) STRICT;
  -- a frozen statement is never changed: a correction is a new revision
  CREATE TRIGGER statements_frozen BEFORE UPDATE ON statements BEGIN SELECT RAISE(ABORT, 'statements are append-only'); END;
  CREATE TRIGGER statements_kept BEFORE DELETE ON statements BEGIN SELECT RAISE(ABORT, 'statements are append-only'); END;
  CREATE TRIGGER statement_files_frozen BEFORE UPDATE ON statement_files BEGIN SELECT RAISE(ABORT, 'statement files are append-only'); END;
  CREATE TRIGGER statement_files_kept BEFORE DELETE ON statement_files BEGIN SELECT RAISE(ABORT, 'statement files are append-only'); END;
  -- the month ends handled so far: a restarted collector catches up from here, firing none twice
  CREATE TABLE statement_schedule (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    watermark INTEGER NOT NULL
  ) STRICT;
  `,
  // 9: API tokens made through the admin API, by hash only; revoking marks
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
  // 10: the two contract timers the ledger could not show yet. A report's
  // written report (sent within 4 h of the complaint) is one more time on the
  // report's versions. An operation the customer authorised (first feedback
  // within 30 min of the authorisation's receipt) is an entity of its own,
  // kept as append-only versions with audit rows like reports.
  `
  ALTER TABLE report_versions ADD COLUMN written_report_at INTEGER;
  CREATE TABLE operation_versions (
    id INTEGER PRIMARY KEY,
    operation_id TEXT NOT NULL,
    version INTEGER NOT NULL,
    change TEXT NOT NULL CHECK (change IN ('create','correct')),
    customer_id TEXT NOT NULL,
    authorised_at INTEGER NOT NULL,
    first_feedback_at INTEGER,
    text TEXT,
    reason TEXT,
    recorded_at INTEGER NOT NULL,
    recorded_by TEXT NOT NULL,
    UNIQUE (operation_id, version)
  ) STRICT;
  CREATE INDEX operation_versions_customer ON operation_versions(customer_id, authorised_at);
  CREATE TRIGGER operation_versions_no_update BEFORE UPDATE ON operation_versions BEGIN SELECT RAISE(ABORT, 'operation_versions is append-only'); END;
  CREATE TRIGGER operation_versions_no_delete BEFORE DELETE ON operation_versions BEGIN SELECT RAISE(ABORT, 'operation_versions is append-only'); END;
  `,
];

/** The schema version whose migration starts the hash chain: the rows stored before it are sealed then. */
export const CHAIN_VERSION = 7;
