/**
 * A call to the running collector's admin API from the CLI: the admin token
 * from --token-file or DCPROBE_API_TOKEN (never a flag: shell history, ps),
 * JSON in and out. The token is sent, never printed; an error names the
 * collector and the API's own message, not the token.
 */
import { readFileSync } from 'node:fs';
import { DcprobeError, E } from '@dcprobe/shared';
import type { FlagSpec } from '@dcprobe/shared';

export const API_FLAGS: readonly FlagSpec[] = [
  { name: 'url', value: 'URL', help: 'the collector (default http://127.0.0.1:9470)' },
  { name: 'token-file', value: 'FILE', help: 'a file holding an admin API token (else DCPROBE_API_TOKEN)' },
];

export interface AdminApi { base: string; token: string }

/** The collector and the token the flags name; E.USAGE when there is no token or its file cannot be read. */
export function adminApi(command: string, flags: Record<string, string | boolean | undefined>): AdminApi {
  const base = (flags.url as string | undefined) ?? 'http://127.0.0.1:9470';
  const file = flags['token-file'] as string | undefined;
  let token: string | undefined;
  try { token = file !== undefined ? readFileSync(file, 'utf8').trim() : process.env.DCPROBE_API_TOKEN; } catch (e) {
    throw new DcprobeError(E.USAGE, `${command}: cannot read the token file ${file}: ${(e as NodeJS.ErrnoException).code ?? 'error'}`);
  }
  if (!token) throw new DcprobeError(E.USAGE, `${command}: no API token (--token-file FILE or DCPROBE_API_TOKEN)`);
  return { base, token };
}

/**
 * One request; resolves with the answer's JSON. A refusal is E.VALIDATION (4xx:
 * the caller's to fix) or E.INTERNAL (5xx), with the API's message; an
 * unreachable collector is E.INTERNAL naming the URL.
 */
export async function adminCall(api: AdminApi, command: string, method: string, path: string, body?: unknown): Promise<Record<string, unknown>> {
  let res: Response;
  try {
    res = await fetch(new URL(path, api.base), {
      method, headers: { authorization: `Bearer ${api.token}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}), signal: AbortSignal.timeout(30_000),
    });
  } catch (e) {
    const cause = (e as Error).cause instanceof Error ? ((e as Error).cause as Error).message : (e as Error).message;
    throw new DcprobeError(E.INTERNAL, `${command}: cannot reach the collector at ${api.base}: ${cause}`);
  }
  const json = await res.json().catch(() => ({})) as Record<string, unknown> & { error?: { message?: string } };
  if (!res.ok) throw new DcprobeError(res.status >= 500 ? E.INTERNAL : E.VALIDATION, `${command}: ${json.error?.message ?? `HTTP ${res.status}`}`);
  return json;
}
