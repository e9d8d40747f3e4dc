/** The SLA reconciliation core: one pure function and its scenario-file edges. */
export { reconcile } from './reconcile.ts';
export { parseScenario, type ScenarioOverrides } from './scenario.ts';
export { toScenario } from './to-scenario.ts';
export { toCsv, CSV_COLUMNS } from './csv.ts';
export * from './types.ts';
