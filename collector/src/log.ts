/** Structured JSON logs (pino), one line per meaningful event; secrets redacted by path. */
import pino, { type Logger } from 'pino';
import { LOG_REDACT_PATHS } from '@dcprobe/shared';

export type { Logger };

export function makeLogger(level = process.env.DCPROBE_LOG_LEVEL ?? 'info', dest?: pino.DestinationStream): Logger {
  return pino({ name: 'dcprobe-collector', level, redact: { paths: LOG_REDACT_PATHS, censor: '<secret>' } }, dest);
}

/** A logger that drops everything, for tests and the offline CLI. */
export const silentLogger: Logger = pino({ level: 'silent' });
