/**
 * `dcprobe-collector tokens create|list|revoke` and `share-link`: API tokens and
 * customers' share links through the running collector's admin API (so the
 * collector that checks them learns of them at once). A new token's secret and
 * a share link are printed once, on stdout alone (redirect it to a file); what
 * was done goes to stderr. Neither is ever logged: the collector stores a
 * token's hash only, and a share link is signed, never stored.
 */
import { DcprobeError, E, isCoded, parseCommandArgs, type CliIo, type CommandSpec } from '@dcprobe/shared';
import { API_FLAGS, adminApi, adminCall } from './admin-api.ts';

export const TOKENS: CommandSpec = {
  name: 'tokens', args: 'create NAME --role ROLE [--customer ID] | list | revoke NAME',
  summary: 'make, list and revoke API tokens through the running collector (admin token); a new token is printed once, on stdout',
  flags: [
    ...API_FLAGS,
    { name: 'role', value: 'ROLE', help: 'create: read, write, admin or customer' },
    { name: 'customer', value: 'ID', help: 'create --role customer: the one customer the token sees' },
  ],
  more: `create prints the new token alone on stdout (e.g. > cust-a.token) and what it made on stderr;
the collector keeps only its hash, so it cannot be shown again: revoke it and make another.`,
};

export const SHARE_LINK: CommandSpec = {
  name: 'share-link', args: '--customer ID --expires TIME',
  summary: "print a signed, expiring link to a customer's report page (admin token); on stdout only",
  flags: [
    ...API_FLAGS,
    { name: 'customer', value: 'ID', help: 'the customer whose page the link opens' },
    { name: 'expires', value: 'TIME', help: 'when the link stops working: ISO 8601 with an offset, or from now: 12h, 7d (at most 92 days)' },
    { name: 'month', value: 'YYYY-MM', help: 'the month the link opens (default: the current month in the customer\'s zone)' },
  ],
};

interface TokenRow { name: string; role: string; customer: string | null; createdAt: string; createdBy: string; revokedAt: string | null; revokedBy: string | null }

/** Usage and refused requests exit 2 (the caller's to fix), like the other commands' bad input. */
async function exitCode(io: CliIo, run: () => Promise<void>): Promise<number> {
  try { await run(); return 0; } catch (e) {
    if (isCoded(e, E.VALIDATION)) { io.err(e.message); return 2; }
    throw e;
  }
}

export async function tokensCommand(args: string[], io: CliIo): Promise<number> {
  const p = parseCommandArgs(TOKENS, args);
  const [sub, ...rest] = p.positional;
  const usage = (m: string) => new DcprobeError(E.USAGE, `tokens ${sub ?? ''}: ${m}`.replace('tokens : ', 'tokens: '));
  if (sub !== 'create' && sub !== 'list' && sub !== 'revoke') throw usage(sub === undefined ? 'give a subcommand (create, list, revoke)' : `unknown subcommand ${JSON.stringify(sub)}`);
  if (sub !== 'create' && (p.flags.role !== undefined || p.flags.customer !== undefined)) throw usage('--role and --customer are for create');
  if (rest.length !== (sub === 'list' ? 0 : 1)) throw usage(sub === 'list' ? 'takes no arguments' : 'give one token name');
  const api = adminApi(`tokens ${sub}`, p.flags);
  return exitCode(io, async () => {
    if (sub === 'create') {
      if (typeof p.flags.role !== 'string') throw usage('--role ROLE is required (read, write, admin, customer)');
      const made = await adminCall(api, 'tokens create', 'POST', '/api/v1/tokens', {
        name: rest[0], role: p.flags.role, ...(p.flags.customer !== undefined ? { customer: p.flags.customer } : {}),
      });
      io.out(made.token as string);
      io.err(`created token ${made.name as string} (role ${made.role as string}${made.customer ? `, customer ${made.customer as string}` : ''}): shown once, above; store it now`);
    } else if (sub === 'list') {
      const { tokens } = await adminCall(api, 'tokens list', 'GET', '/api/v1/tokens') as { tokens: TokenRow[] };
      io.out(['name', 'role', 'customer', 'createdAt', 'createdBy', 'revokedAt', 'revokedBy'].join('\t'));
      for (const t of tokens) io.out([t.name, t.role, t.customer ?? '-', t.createdAt, t.createdBy, t.revokedAt ?? '-', t.revokedBy ?? '-'].join('\t'));
    } else {
      const t = await adminCall(api, 'tokens revoke', 'DELETE', `/api/v1/tokens/${encodeURIComponent(rest[0]!)}`) as unknown as TokenRow;
      io.err(`revoked token ${t.name} at ${t.revokedAt ?? ''}`);
    }
  });
}

const RELATIVE = /^(\d{1,4})([hd])$/;

/** --expires as the API takes it: an instant with an offset; `12h`/`7d` count from now. */
export function expiresAt(given: string, now: number): string {
  const m = RELATIVE.exec(given);
  if (!m) return given;
  return new Date(now + Number(m[1]) * (m[2] === 'h' ? 3_600_000 : 86_400_000)).toISOString();
}

export async function shareLinkCommand(args: string[], io: CliIo, now: () => number = Date.now): Promise<number> {
  const p = parseCommandArgs(SHARE_LINK, args);
  const usage = (m: string) => new DcprobeError(E.USAGE, `share-link: ${m}`);
  if (p.positional.length) throw usage('takes no arguments besides its flags');
  if (typeof p.flags.customer !== 'string') throw usage('--customer ID is required');
  if (typeof p.flags.expires !== 'string') throw usage('--expires TIME is required (ISO 8601 with an offset, or 12h, 7d)');
  const api = adminApi('share-link', p.flags);
  return exitCode(io, async () => {
    const link = await adminCall(api, 'share-link', 'POST', `/api/v1/customers/${encodeURIComponent(p.flags.customer as string)}/share-links`, {
      expiresAt: expiresAt(p.flags.expires as string, now()), ...(typeof p.flags.month === 'string' ? { month: p.flags.month } : {}),
    });
    io.out(new URL(link.path as string, api.base).toString());
    io.err(`share link for ${link.customer as string}, valid until ${link.expiresAt as string}`);
  });
}
