/**
 * A tiny router: method + path pattern → handler. Route modules (metrics,
 * health, API, report pages) each export a list of routes; the server joins them.
 * Every route declares who may call it (`access`); the router runs the one
 * guard (auth.ts) on it before the handler, which gets the caller as `principal`.
 * Handlers throw coded errors; the router maps codes to HTTP statuses.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { DcprobeError, E } from '@dcprobe/shared';
import type { Access, Principal } from './access.ts';

export interface RequestContext {
  req: IncomingMessage;
  res: ServerResponse;
  url: URL;
  params: Record<string, string>;
  /** The caller as the guard identified it; null on a public route called without a token. */
  principal: Principal | null;
}

export interface Route {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  path: string;
  access: Access;
  handler: (ctx: RequestContext) => Promise<void> | void;
}

interface Compiled extends Route { re: RegExp; names: string[] }

/** The HTTP status of each error code; any other code is a 500. */
const STATUS: Record<string, number> = {
  [E.VALIDATION]: 400, [E.SCENARIO_INVALID]: 400, [E.TIME_INVALID]: 400,
  [E.UNAUTHORIZED]: 401, [E.FORBIDDEN]: 403, [E.NOT_FOUND]: 404, [E.METHOD_NOT_ALLOWED]: 405, [E.CONFLICT]: 409,
};

export type RouteGuard = (access: Access, g: { req: IncomingMessage; url: URL; params: Record<string, string>; method: string }) => Promise<Principal | null>;

export function compile(routes: readonly Route[], guard: RouteGuard): (req: IncomingMessage, res: ServerResponse) => Promise<void> {
  const table: Compiled[] = routes.map((r) => {
    const names: string[] = [];
    const re = new RegExp('^' + r.path.replace(/\{(\w+)\}/g, (_m, n: string) => { names.push(n); return '([^/]+)'; }) + '$');
    return { ...r, re, names };
  });
  // Everything a request brings (its URL, its escapes, its body) is read inside the try:
  // the returned promise never rejects, so no request can end the process.
  return async (req, res) => {
    try {
      const url = requestUrl(req);
      let pathMatched = false;
      for (const r of table) {
        const m = r.re.exec(url.pathname);
        if (!m) continue;
        pathMatched = true;
        if (r.method !== req.method && !(r.method === 'GET' && req.method === 'HEAD')) continue;
        const params = Object.fromEntries(r.names.map((n, i) => [n, decodeParam(n, m[i + 1]!)]));
        const principal = await guard(r.access, { req, url, params, method: r.method });
        await r.handler({ req, res, url, params, principal });
        return;
      }
      throw pathMatched
        ? new DcprobeError(E.METHOD_NOT_ALLOWED, `${req.method} not allowed on ${url.pathname}`)
        : new DcprobeError(E.NOT_FOUND, `no route ${url.pathname}`);
    } catch (e) {
      sendError(res, e);
    }
  };
}

/** The request's URL; one the URL parser refuses (e.g. `//host:99999`) is a 400. */
export function requestUrl(req: IncomingMessage): URL {
  try {
    return new URL(req.url ?? '/', 'http://local');
  } catch {
    throw new DcprobeError(E.VALIDATION, 'request target: not a valid URL');
  }
}

/** A path segment's percent-escapes decoded; a broken escape is the caller's mistake (400), not ours. */
function decodeParam(name: string, raw: string): string {
  try {
    return decodeURIComponent(raw);
  } catch {
    throw new DcprobeError(E.VALIDATION, `${name}: not a valid percent-encoded path segment`);
  }
}

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body, null, 2);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

export function sendText(res: ServerResponse, status: number, type: string, body: string): void {
  res.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

export function sendError(res: ServerResponse, e: unknown): void {
  if (res.headersSent || res.destroyed) { res.destroy(); return; }
  if (e instanceof DcprobeError) {
    return sendJson(res, STATUS[e.code] ?? 500, { error: { code: e.code, message: e.message } });
  }
  sendJson(res, 500, { error: { code: E.INTERNAL, message: 'internal error' } });
}

/** Reads a UTF-8 text body with a size bound. */
export async function readText(req: IncomingMessage, limit = 1024 * 1024): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of req) {
    size += (c as Buffer).length;
    if (size > limit) throw new DcprobeError(E.VALIDATION, `body: larger than ${limit} bytes`);
    chunks.push(c as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** Reads a JSON body with a size bound; a bad body is a 400 naming the problem. */
export async function readJson(req: IncomingMessage, limit = 1024 * 1024): Promise<unknown> {
  const text = await readText(req, limit);
  try {
    return JSON.parse(text || 'null');
  } catch {
    throw new DcprobeError(E.VALIDATION, 'body: not valid JSON');
  }
}
