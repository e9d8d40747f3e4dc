/**
 * `database:` is a file path or a postgres:// URL; every other value is a
 * config error naming the field, with the exact message an operator sees,
 * and no message ever carries the password.
 */
import { describe, expect, it } from 'vitest';
import { userInfo } from 'node:os';
import { isCoded, E } from '@dcprobe/shared';
import { describeTarget, parseDatabase } from '../../../../../collector/src/store/postgres/connect.ts';

const PW = 'hunter2-Zq9';

describe('database: a file path or a postgres:// URL', () => {
  it.each([
    './data/dcprobe.sqlite', 'dcprobe.sqlite', '/var/lib/dcprobe/store.db', 'data/postgres', './postgres:5432/x', 'C:\\dcprobe\\store.db',
  ])('%s is a SQLite file', (v) => {
    expect(parseDatabase(v)).toEqual({ kind: 'sqlite', file: v });
  });

  it.each([
    ['postgres://dcprobe:hunter2-Zq9@db.example:6432/ledger', { host: 'db.example', port: 6432, user: 'dcprobe', password: PW, database: 'ledger', ssl: false }],
    ['postgresql://dcprobe@10.0.0.5/ledger?sslmode=verify-full', { host: '10.0.0.5', port: 5432, user: 'dcprobe', password: undefined, database: 'ledger', ssl: { rejectUnauthorized: true } }],
    ['POSTGRES://u:p%40ss%3Aw%2Frd@[::1]:5433/ledger?sslmode=require', { host: '::1', port: 5433, user: 'u', password: 'p@ss:w/rd', database: 'ledger', ssl: { rejectUnauthorized: false } }],
    ['postgres:///ledger?host=/run/postgresql', { host: '/run/postgresql', port: 5432, user: userInfo().username, password: undefined, database: 'ledger', ssl: false }],
    ['postgres://db.example/ledger', { host: 'db.example', port: 5432, user: userInfo().username, password: undefined, database: 'ledger', ssl: false }],
  ])('%s', (v, target) => {
    expect(parseDatabase(v)).toEqual({ kind: 'postgres', target });
  });

  it.each([
    ['mysql://root:hunter2-Zq9@db/ledger', 'database: unknown scheme "mysql:": give a file path (SQLite) or a postgres:// URL'],
    ['file:store.db', 'database: unknown scheme "file:": give a file path (SQLite) or a postgres:// URL'],
    ['postgres://u:hunter2-Zq9@db:99999/ledger', 'database: not a valid postgres:// URL'],
    ['postgres://u:hunter2-Zq9@db space/ledger', 'database: not a valid postgres:// URL'],
    ['postgres://u:hunter2-Zq9@db:5432', 'database: the URL names no database (postgres://user@host:5432/NAME)'],
    ['postgres://u:hunter2-Zq9@db:5432/a/b', 'database: the URL names no database (postgres://user@host:5432/NAME)'],
    ['postgres:///ledger', 'database: the URL names no host'],
    ['postgres://u:hunter2%ZZ@db/ledger', 'database: the password in the URL has a malformed %-escape'],
    ['postgres://u:hunter2-Zq9@db/ledger?sslmode=prefer', 'database: sslmode "prefer" is not one of disable, require, verify-ca, verify-full'],
    ['postgres://u:hunter2-Zq9@db/ledger?password=x', 'database: unknown URL parameter "password" (known: sslmode, host)'],
  ])('%s is refused', (v, message) => {
    let err: unknown;
    try { parseDatabase(v); } catch (e) { err = e; }
    expect(isCoded(err, E.CONFIG_INVALID)).toBe(true);
    expect((err as Error).message).toBe(message);
    expect(JSON.stringify(err) + String(err) + (err as Error).stack).not.toContain('hunter2');
  });

  it('prints a target with the password as <secret>', () => {
    const t = parseDatabase(`postgres://dcprobe:${PW}@db.example:6432/ledger`);
    if (t.kind !== 'postgres') throw new Error('not postgres');
    expect(describeTarget(t.target)).toBe('postgres://dcprobe:<secret>@db.example:6432/ledger');
    expect(describeTarget({ ...t.target, host: '::1', password: undefined })).toBe('postgres://dcprobe@[::1]:6432/ledger');
    expect(describeTarget({ ...t.target, host: '/run/postgresql' })).toBe('postgres://dcprobe:<secret>@:6432/ledger?host=/run/postgresql');
  });
});
