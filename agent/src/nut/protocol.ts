/**
 * The NUT network protocol (upsd, TCP 3493) as pure functions: word splitting
 * with NUT's quoting, argument quoting, and the reply readers for one-line
 * answers and BEGIN/END LIST blocks. No I/O here, so the parser is tested on
 * recorded protocol text.
 *
 * Reference: networkupstools/nut docs/net-protocol.txt. Multi-word elements are
 * in double quotes; embedded `"` and `\` are escaped with a backslash.
 */

/** Error names upsd sends as `ERR <NAME> [extra]` (net-protocol.txt "Error responses"). */
export const NUT_ERROR_NAMES = [
  'ACCESS-DENIED', 'UNKNOWN-UPS', 'VAR-NOT-SUPPORTED', 'CMD-NOT-SUPPORTED', 'INVALID-ARGUMENT',
  'INSTCMD-FAILED', 'SET-FAILED', 'READONLY', 'TOO-LONG', 'FEATURE-NOT-SUPPORTED',
  'FEATURE-NOT-CONFIGURED', 'ALREADY-SSL-MODE', 'DRIVER-NOT-CONNECTED', 'DATA-STALE',
  'ALREADY-LOGGED-IN', 'INVALID-PASSWORD', 'ALREADY-SET-PASSWORD', 'INVALID-USERNAME',
  'ALREADY-SET-USERNAME', 'USERNAME-REQUIRED', 'PASSWORD-REQUIRED', 'UNKNOWN-COMMAND',
  'INVALID-VALUE',
] as const;

/** Splits one protocol line into words, honouring quotes and backslash escapes. */
export function splitWords(line: string): string[] {
  const words: string[] = [];
  let cur = '';
  let inWord = false;
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (c === '\\' && i + 1 < line.length) {
      cur += line[++i];
      inWord = true;
    } else if (c === '"') {
      quoted = !quoted;
      inWord = true;
    } else if (!quoted && (c === ' ' || c === '\t')) {
      if (inWord) words.push(cur);
      cur = '';
      inWord = false;
    } else {
      cur += c;
      inWord = true;
    }
  }
  if (inWord) words.push(cur);
  return words;
}

/** Quotes an argument when it needs it, so names and passwords with spaces survive. */
export function quoteArg(s: string): string {
  if (s !== '' && /^[^\s"\\]+$/.test(s)) return s;
  return `"${s.replace(/[\\"]/g, (m) => `\\${m}`)}"`;
}

/** `ERR DATA-STALE` → `DATA-STALE`; null when the line is not an error reply. */
export function errName(line: string): string | null {
  if (line !== 'ERR' && !line.startsWith('ERR ')) return null;
  return splitWords(line)[1] ?? 'UNKNOWN';
}

/** What a reader says about each line it is given. */
export type Step<T> =
  | { done: false }
  | { done: true; value: T }
  | { done: true; nutError: string; line: string };

/** A reply reader: fed one line at a time until it returns done. */
export type Reader<T> = (line: string) => Step<T>;

/** Reads a one-line reply, accepting it when `accept` returns a value. */
export function oneLine<T>(accept: (words: string[], line: string) => T | undefined): Reader<T> {
  return (line) => {
    const err = errName(line);
    if (err) return { done: true, nutError: err, line };
    const value = accept(splitWords(line), line);
    if (value === undefined) return { done: true, nutError: 'UNEXPECTED-REPLY', line };
    return { done: true, value };
  };
}

/**
 * Reads `BEGIN LIST <query>` … `END LIST <query>` and returns the words of each
 * item line. The END line must repeat the query, so a reply to another
 * request can never close this list.
 */
export function listBlock(query: string): Reader<string[][]> {
  const begin = `BEGIN LIST ${query}`;
  const end = `END LIST ${query}`;
  let started = false;
  const items: string[][] = [];
  return (line) => {
    if (!started) {
      const err = errName(line);
      if (err) return { done: true, nutError: err, line };
      if (line !== begin) return { done: true, nutError: 'UNEXPECTED-REPLY', line };
      started = true;
      return { done: false };
    }
    if (line === end) return { done: true, value: items };
    items.push(splitWords(line));
    return { done: false };
  };
}

/** `LIST UPS` items (`UPS <name> "<desc>"`) → name → description. */
export function upsList(items: string[][]): Map<string, string> {
  const out = new Map<string, string>();
  for (const w of items) if (w[0] === 'UPS' && w[1] !== undefined) out.set(w[1], w[2] ?? '');
  return out;
}

/** `LIST VAR <ups>` items (`VAR <ups> <name> "<value>"`) → name → value. */
export function varList(ups: string, items: string[][]): Map<string, string> {
  const out = new Map<string, string>();
  for (const w of items) if (w[0] === 'VAR' && w[1] === ups && w[2] !== undefined) out.set(w[2], w[3] ?? '');
  return out;
}
