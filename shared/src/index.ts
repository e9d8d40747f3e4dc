export * from './states.ts';
export * from './errors.ts';
export * from './time.ts';
export * from './intervals.ts';
export * from './protocol.ts';
export * from './secrets.ts';
export * from './metrics-names.ts';
export * from './config-util.ts';
