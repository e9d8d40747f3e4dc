/**
 * prom-client's default metrics include gauges named `*_total`
 * (nodejs_active_handles_total …), which `promtool check metrics` rejects:
 * `_total` is for counters. The per-type gauges without the suffix carry the
 * same information, so both programs drop these after collectDefaultMetrics.
 */
export const LINT_FAILING_DEFAULT_METRICS = [
  'nodejs_active_handles_total',
  'nodejs_active_requests_total',
  'nodejs_active_resources_total',
] as const;

/** Removes the lint-failing default gauges from a prom-client registry. */
export function dropLintFailingDefaults(registry: { removeSingleMetric(name: string): void }, prefix = ''): void {
  for (const name of LINT_FAILING_DEFAULT_METRICS) registry.removeSingleMetric(`${prefix}${name}`);
}
