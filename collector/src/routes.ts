/**
 * Route modules beyond /metrics and /healthz (the SLA API, report pages).
 * Each feature adds its routes here so `run` and the tests start the same server.
 */
import type { Route } from './http/router.ts';
import type { RouteDeps } from './server.ts';

export function collectorRoutes(_deps: RouteDeps): Route[] {
  return [];
}
