/**
 * How both programs end a start that cannot succeed: one `fatal` JSON log line
 * naming the cause in plain words, and an exit code. 2 when the config must
 * change first (invalid, a file it names unreadable): restarting cannot help,
 * and the units' RestartPreventExitStatus=2 stops there. 1 when a retry may
 * pass (address in use, store locked by a process that is stopping, a
 * directory not writable yet).
 */
import { E, isCoded } from './errors.ts';

/** What the fatal line needs of a logger (pino's). */
export interface FatalLog { fatal(obj: object, msg: string): void }

const CONFIG_CODES: readonly string[] = [E.CONFIG_INVALID, E.CONFIG_READ];

const REASONS: Record<string, string> = {
  EADDRINUSE: 'the address is in use by another process',
  EADDRNOTAVAIL: 'the address is not on this host',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  ENOENT: 'no such file or directory',
  ENOTDIR: 'a parent is not a directory',
  EROFS: 'read-only file system',
  ENOSPC: 'no space left on device',
};

/**
 * A Node system error as one sentence: `cannot listen on 127.0.0.1:9470: the
 * address is in use by another process (EADDRINUSE)`; undefined for others.
 */
export function describeSystemError(e: unknown): string | undefined {
  const x = e as NodeJS.ErrnoException & { address?: string; port?: number };
  if (!x || typeof x.code !== 'string' || typeof x.syscall !== 'string') return undefined;
  const reason = `${REASONS[x.code] ?? x.code} (${x.code})`;
  if (x.syscall === 'listen' || x.syscall === 'bind') {
    const where = x.address === undefined ? '' : ` on ${x.address.includes(':') ? `[${x.address}]` : x.address}:${x.port}`;
    const hint = x.code === 'EACCES' && (x.port ?? 1024) < 1024 ? ': a port below 1024 needs CAP_NET_BIND_SERVICE' : '';
    return `cannot listen${where}: ${reason}${hint}`;
  }
  if (x.path) return `${x.path}: ${reason}`;
  return `${x.syscall}: ${reason}`;
}

/** Logs the one fatal line; returns the exit code. */
export function startFailure(log: FatalLog, e: unknown, config: string): number {
  if (isCoded(e)) {
    log.fatal({ code: e.code, config }, `cannot start: ${e.message.split('\n').join('; ')}`);
    return CONFIG_CODES.includes(e.code) ? 2 : 1;
  }
  const plain = describeSystemError(e);
  if (plain) {
    log.fatal({ code: (e as NodeJS.ErrnoException).code, config }, `cannot start: ${plain}`);
    return 1;
  }
  log.fatal({ err: e, config }, `cannot start: ${(e as Error)?.message ?? String(e)}`);
  return 1;
}
