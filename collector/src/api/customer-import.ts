/**
 * POST /api/v1/customers/import (admin): a CSV of customers to add, re-version
 * or end (ledger/customer-import.ts has the columns). `?dryRun=true` checks the
 * file and says what it would do, recording nothing. A file with any bad row is
 * a 400 listing every problem by line, and changes nothing.
 */
import { DcprobeError, E, formatInstant } from '@dcprobe/shared';
import { readText, sendJson, type Route } from '../http/router.ts';
import { applyImport, planImport, type AppliedChange } from '../ledger/customer-import.ts';
import { actor, type ApiContext } from './context.ts';

/** 10,000 customers at ~150 bytes a row, with room to spare. */
const MAX_BYTES = 16 * 1024 * 1024;

function dryRunParam(url: URL): boolean {
  const v = url.searchParams.get('dryRun');
  if (v === null || v === 'false') return false;
  if (v === 'true') return true;
  throw new DcprobeError(E.VALIDATION, 'dryRun: expected true or false');
}

export function customerImportRoutes(ctx: ApiContext): Route[] {
  return [{
    method: 'POST', path: '/api/v1/customers/import', access: { role: 'admin' }, handler: async ({ req, res, url, principal }) => {
      const who = actor(principal);
      const dryRun = dryRunParam(url);
      const now = ctx.now();
      const plan = planImport(await readText(req, MAX_BYTES), ctx.sla.customers, now);
      const done: AppliedChange[] = dryRun ? plan.map((p) => ({ line: p.line, id: p.id, action: p.action, validFrom: p.validFrom, version: null }))
        : await applyImport(plan, ctx.sla.customers, who, now);
      if (!dryRun) ctx.log.info({ by: who, rows: done.length, changed: done.filter((d) => d.version !== null).length }, 'customers imported');
      const counts = { create: 0, new_version: 0, end: 0, unchanged: 0 };
      for (const d of done) counts[d.action]++;
      sendJson(res, 200, {
        dryRun, counts,
        changes: done.map((d, i) => ({ ...d, validFrom: formatInstant(d.validFrom, plan[i]!.spec.timezone) })), // same order as the plan
      });
    },
  }];
}
