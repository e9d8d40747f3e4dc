/**
 * The hash chain without a database (store/chain.ts): what a link hashes is
 * fixed text (a store in another database must reach the same hash), and a
 * walk names the first link, row or table that does not fit.
 */
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { CHAIN_GENESIS, ChainWalk, linkHash, type ChainLink, type ChainRow } from '../../../../collector/src/store/chain.ts';

const rowsA: ChainRow[] = [[1, 'sw1/ge-0/0/1', 'port', 'down', 1000, 'poll', 'rack-a1', 1, 1001, '{"ifOperStatus":2}'], [2, 'sw1/ge-0/0/1', 'port', 'up', 2000, 'trap', 'rack-a1', 2, 2001, null]];
const rowsB: ChainRow[] = [[1, 'cust-a', 1, 0, '{}', 'config', 5, 'config']];

function chain(): { links: ChainLink[]; rows: ChainRow[][] } {
  const h1 = linkHash(CHAIN_GENESIS, 'observations', 1, 2, rowsA);
  const h2 = linkHash(h1, 'customer_versions', 1, 1, rowsB);
  return {
    links: [{ id: 1, table: 'observations', first: 1, last: 2, prev: CHAIN_GENESIS, hash: h1 }, { id: 2, table: 'customer_versions', first: 1, last: 1, prev: h1, hash: h2 }],
    rows: [rowsA, rowsB],
  };
}

function walk(links: ChainLink[], rows: ChainRow[][]) {
  const w = new ChainWalk();
  for (let i = 0; i < links.length; i++) { const p = w.link(links[i]!, rows[i]!); if (p) return p; }
  return w.end('observations', 2, 2) ?? w.end('customer_versions', 1, 1);
}

describe('the hash chain', () => {
  it('hashes the previous hash, the table, the id range and each row as a JSON line', () => {
    const text = `${CHAIN_GENESIS}\nobservations\n1\n2\n${rowsA.map((r) => `${JSON.stringify(r)}\n`).join('')}`;
    expect(linkHash(CHAIN_GENESIS, 'observations', 1, 2, rowsA)).toBe(createHash('sha256').update(text).digest('hex'));
  });

  it('walks a chain that fits to its head', () => {
    const { links, rows } = chain();
    const w = new ChainWalk();
    expect(w.link(links[0]!, rows[0]!)).toBeNull();
    expect(w.link(links[1]!, rows[1]!)).toBeNull();
    expect(w.end('observations', 2, 2)).toBeNull();
    expect(w.state).toEqual({ head: links[1]!.hash, links: 2 });
  });

  it('names a changed row, a missing row, a broken link and rows outside the chain', () => {
    const { links, rows } = chain();
    expect(walk(links, [rowsA, [[1, 'cust-a', 1, 0, '{"x":1}', 'config', 5, 'config']]])?.reason).toBe("customer_versions row 1 was changed: link 2's hash does not match its rows");
    expect(walk(links, [[rowsA[1]!], rowsB])).toMatchObject({ link: 1, row: 1, reason: 'observations row 1 is missing (link 1 covers ids 1..2)' });
    expect(walk([links[0]!, { ...links[1]!, prev: CHAIN_GENESIS }], rows)).toMatchObject({ link: 2, row: null });
    // A row slipped in after link 1, then the collector appended ids 4..4: the gap at 3 is named.
    const row4: ChainRow = [4, 'sw1/ge-0/0/1', 'port', 'down', 4000, 'poll', 'rack-a1', 4, 4001, null];
    const later: ChainLink = { id: 2, table: 'observations', first: 4, last: 4, prev: links[0]!.hash, hash: linkHash(links[0]!.hash, 'observations', 4, 4, [row4]) };
    expect(walk([links[0]!, later], [rowsA, [row4]])?.reason).toBe('link 2 covers observations ids 4..4, but the previous link of observations ended at 2');
    const w = new ChainWalk();
    w.link(links[0]!, rowsA);
    expect(w.end('observations', 3, 3)?.reason).toBe('observations row 3 is in no link of the chain');
    expect(w.end('observations', 3, 2)?.reason).toBe('observations holds 3 rows, the chain covers 2: rows were added outside the chain');
  });
});
