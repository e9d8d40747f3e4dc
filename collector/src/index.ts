export { startCollector, type CollectorHandle, type StartOptions } from './server.ts';
export { buildConfig, loadConfig, type CollectorConfig } from './config.ts';
export { hashToken } from './tokens.ts';
