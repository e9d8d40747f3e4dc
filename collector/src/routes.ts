/**
 * Route modules beyond /metrics and /healthz (the SLA API, report pages).
 * Each feature adds its routes here so `run` and the tests start the same server.
 * The SLA ledger is opened here, once per server: config customers are synced
 * into it at start, and the SLA metrics are added to /metrics.
 */
import type { Route } from './http/router.ts';
import type { RouteDeps } from './server.ts';
import type { CustomerConfig } from './config.ts';
import { SlaLedger } from './ledger/index.ts';
import { apiRoutes } from './api/index.ts';
import { reportPageRoutes } from './report/routes.ts';
import { SlaMetrics } from './sla-metrics.ts';

export function collectorRoutes(deps: RouteDeps): Route[] {
  const sla = new SlaLedger(deps.db);
  const changed = sla.syncConfig(deps.config.customers, deps.now());
  if (changed.length > 0) deps.log.info({ customers: changed.length }, 'customers from config recorded as new versions');
  // Domain metrics label ports and feeds with their current owners, API-made customers included.
  let current: CustomerConfig[] | undefined;
  sla.onChange(() => { current = undefined; });
  deps.useCustomers(() => (current ??= sla.customers.ids().map((id) => sla.customers.latest(id)!.spec)));
  const metrics = new SlaMetrics(sla, deps.db, deps.now);
  deps.addMetrics(() => metrics.text());
  const ctx = { deps, sla };
  return [...apiRoutes(ctx), ...reportPageRoutes(ctx)];
}
