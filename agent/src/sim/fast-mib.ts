/**
 * net-snmp's agent spends O(rows) per varbind on a big table: every GETNEXT
 * sorts the column's children to find the next sibling, and every answered
 * table cell rebuilds its whole row (twice) by counting each column's children.
 * At 1,000 interfaces that is ~0.3 ms a varbind, so a benchmark against the
 * simulator would measure the library's agent, not the poller. The simulator
 * knows its OIDs, so it answers GETNEXT from a sorted index and builds rows by
 * direct child access; values and types still come from the MIB tree, and the
 * answers are the same as the library's (integration tests walk both ways).
 */
import snmp from 'net-snmp';

interface MibNode {
  oid: string;
  value: unknown;
  valueType: number;
  children: Record<string, MibNode>;
}

interface Mib {
  lookup(oid: string): MibNode | null;
  getProviderNodeForTable(table: string): MibNode;
  getTableRowCells(table: string, rowIndex: unknown[]): unknown[] | null;
}

interface Agent {
  addGetNextVarbind(out: unknown[], startOid: string): MibNode | null | undefined;
}

const parts = (oid: string): number[] => oid.split('.').map(Number);

function cmp(a: readonly number[], b: readonly number[]): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return a.length - b.length;
}

export interface FastMib {
  /** Replaces the set of instance OIDs (after tables are loaded or reloaded). */
  reindex(oids: readonly string[]): void;
}

export function speedUp(agent: unknown, mib: unknown, singleIndexTables: readonly string[]): FastMib {
  const a = agent as Agent;
  const m = mib as Mib;
  let index: { oid: string; p: number[] }[] = [];

  if (typeof a.addGetNextVarbind === 'function') {
    a.addGetNextVarbind = (out, startOid) => {
      let p: number[];
      try { p = parts(startOid.replace(/^\./, '')); } catch { p = [1, 3, 6, 1]; }
      // First entry strictly after startOid.
      let lo = 0, hi = index.length;
      while (lo < hi) { const mid = (lo + hi) >> 1; if (cmp(index[mid]!.p, p) <= 0) lo = mid + 1; else hi = mid; }
      for (let i = lo; i < index.length; i++) {
        const node = m.lookup(index[i]!.oid);
        if (node && node.value !== undefined) {
          out.push({ previousOid: startOid, oid: node.oid, type: node.valueType, value: node.value });
          return node;
        }
      }
      out.push({ previousOid: startOid, oid: startOid, type: snmp.ObjectType.EndOfMibView, value: null });
      return null;
    };
  }

  const fast = new Set(singleIndexTables);
  const slowRow = m.getTableRowCells.bind(m);
  m.getTableRowCells = (table, rowIndex) => {
    const idx = rowIndex[0];
    if (!fast.has(table) || rowIndex.length !== 1 || typeof idx !== 'number') return slowRow(table, rowIndex);
    const pn = m.getProviderNodeForTable(table);
    let found = false;
    const row = Object.keys(pn.children).map((c) => {
      const cell = pn.children[c]!.children[idx];
      if (cell && cell.value !== undefined && cell.value !== null) { found = true; return cell.value; }
      return null;
    });
    return found ? row : null;
  };

  return {
    reindex(oids) {
      index = oids.map((oid) => ({ oid, p: parts(oid) })).sort((x, y) => cmp(x.p, y.p));
    },
  };
}
