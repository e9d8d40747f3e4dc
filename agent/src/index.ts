/** The agent package's public surface. */
export { startAgent, AGENT_VERSION } from './agent.ts';
export type { AgentHandle, AgentOptions } from './agent.ts';
export { buildConfig, loadConfig, printableConfig } from './config.ts';
export type { AgentConfig } from './config.ts';
export { main } from './cli.ts';
export { Tracker } from './tracker.ts';
export type { Transition, SubjectState, Trigger } from './tracker.ts';
export { Outbox } from './outbox.ts';
export type { OutboxEvent, OutboxOptions } from './outbox.ts';
export { startLink } from './link.ts';
export type { Link, LinkOptions } from './link.ts';
export { startPoller } from './poller.ts';
export type { Poller, PollerOptions } from './poller.ts';
export { createMetrics, serveMetrics } from './metrics.ts';
export type { AgentMetrics } from './metrics.ts';
export { hostFacts } from './host.ts';
export { makeLogger, silentLogger } from './log.ts';
