/**
 * Loads every source kind so each registers itself in ./index.ts. The agent's
 * config loader imports this file; a new kind adds one import line here.
 */
export {};
