/** The NUT network-protocol client (upsd, TCP 3493). */
export { NutClient } from './client.ts';
export type { NutClientOptions, NutTls } from './client.ts';
export { NutError, isNutError, LOCAL_NAMES } from './errors.ts';
export { NUT_ERROR_NAMES, splitWords, quoteArg } from './protocol.ts';
