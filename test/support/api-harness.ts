/**
 * A real collector (port 0, real SQLite file) with API tokens of
 * each role and an injected clock, plus a small fetch helper.
 */
import type { CollectorHandle, StartOptions } from '../../collector/src/server.ts';
import { collector } from './collector-harness.ts';
import { tempDir, type TempDir } from './temp.ts';

export const API = { read: 'api-read-token-0123456789', write: 'api-write-token-0123456789', admin: 'api-admin-token-0123456789' } as const;

export interface ApiEnv { c: CollectorHandle; clock: { now: number }; tmp: TempDir }

export async function startApi(now: number, extra: Record<string, unknown> = {}, opts: StartOptions = {}): Promise<ApiEnv> {
  const tmp = tempDir();
  const clock = { now };
  const c = await collector(tmp.dir, {
    apiTokens: [{ name: 'noc-viewer', role: 'read', token: API.read }, { name: 'noc-desk', role: 'write', token: API.write }, { name: 'noc-admin', role: 'admin', token: API.admin }],
    ...extra,
  }, { now: () => clock.now, ...opts });
  return { c, clock, tmp };
}

export async function stopApi(e: ApiEnv): Promise<void> { await e.c.close(); e.tmp.cleanup(); }

/** A customer token's secret, for tests that add `{ name, role: 'customer', customer, token: CUSTOMER_TOKEN }`. */
export const CUSTOMER_TOKEN = 'customer-token-cust-a-0123456789';

/** `bearer` sends that raw secret instead of a role's token (customer tokens, tokens made through the API). */
export async function call(e: ApiEnv, method: string, path: string, opts: { token?: keyof typeof API | null; bearer?: string; body?: unknown; accept?: string } = {}) {
  const headers: Record<string, string> = {};
  const tok = opts.token === undefined ? 'admin' : opts.token;
  if (opts.bearer !== undefined) headers.authorization = `Bearer ${opts.bearer}`;
  else if (tok) headers.authorization = `Bearer ${API[tok]}`;
  if (opts.body !== undefined) headers['content-type'] = 'application/json';
  if (opts.accept) headers.accept = opts.accept;
  const r = await fetch(`${e.c.url}${path}`, { method, headers, ...(opts.body !== undefined ? { body: JSON.stringify(opts.body) } : {}) });
  const text = await r.text();
  const type = r.headers.get('content-type') ?? '';
  return { status: r.status, type, text, json: type.includes('json') ? JSON.parse(text) : undefined } as { status: number; type: string; text: string; json: any };
}
