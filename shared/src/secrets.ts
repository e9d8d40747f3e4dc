/**
 * Secrets (communities, v3 keys, tokens, passwords) never reach logs, metrics
 * or error messages. Config printers and loggers pass values through here.
 */
export const SECRET_PLACEHOLDER = '<secret>';

const SECRET_KEYS = /^(community|authKey|privKey|token|tokens|password|secret|key|authorization|tokenHash)$/i;

/** Deep copy with every secret-looking field replaced by `<secret>`. */
export function redact<T>(value: T): T {
  if (Array.isArray(value)) return value.map((v) => redact(v)) as T;
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      out[k] = SECRET_KEYS.test(k) && v !== undefined && v !== null && typeof v !== 'object' ? SECRET_PLACEHOLDER : redact(v);
    }
    return out as T;
  }
  return value;
}

/** Pino redaction paths for the same fields. */
export const LOG_REDACT_PATHS = [
  '*.community', '*.authKey', '*.privKey', '*.token', '*.password', '*.secret', '*.tokenHash',
  'community', 'authKey', 'privKey', 'token', 'password', 'secret', 'req.headers.authorization',
];
