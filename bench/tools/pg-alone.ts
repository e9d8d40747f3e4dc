#!/usr/bin/env -S node --import tsx
/**
 * PostgreSQL alone (bench/lib/pg-alone.ts) on a private cluster of its own:
 * the reference rate for the collector's ingest on PostgreSQL.
 *
 *   node --import tsx bench/tools/pg-alone.ts [--quick] [--markdown]
 */
import { parseArgs } from 'node:util';
import pg from 'pg';
import { migrate } from '../../collector/src/store/postgres/migrations.ts';
import { startCluster } from '../../test/support/postgres.ts';
import { pgAlone, pgAloneTable } from '../lib/pg-alone.ts';
import { renderMarkdown, renderText } from '../lib/table.ts';

const { values } = parseArgs({ options: { quick: { type: 'boolean', default: false }, markdown: { type: 'boolean', default: false } } });
const budget = values.quick
  ? { maxEvents: 300_000, maxMs: 3_000, warmEvents: 50_000 }
  : { maxEvents: 2_000_000, maxMs: 10_000, warmEvents: 200_000 };

const cluster = await startCluster();
try {
  const url = await cluster.createDatabase('pg_alone');
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  try { await migrate(admin); } finally { await admin.end(); }
  const r = await pgAlone(url, { ...budget, postmasterPid: cluster.postmasterPid() });
  const t = pgAloneTable(r);
  console.log(values.markdown ? renderMarkdown(t) : renderText(t));
} finally {
  await cluster.remove();
}
