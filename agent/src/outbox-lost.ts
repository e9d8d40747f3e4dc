/**
 * Seqs the outbox gave out but no longer holds and the collector was never
 * sent: records found damaged (quarantined), cut off a truncated segment, or
 * numbered and never saved before a crash. Sorted, disjoint ranges above the
 * outbox's head. The head moves over a range once everything before it is
 * acked, and the next hello's firstSeq tells the collector they are lost.
 */
export interface SeqRange { from: number; to: number }

export class LostSeqs {
  private ranges: SeqRange[] = [];

  get count(): number { return this.ranges.reduce((n, r) => n + r.to - r.from + 1, 0); }
  get list(): readonly SeqRange[] { return this.ranges; }

  /** Adds [from, to]; overlapping or adjacent ranges merge. */
  add(from: number, to: number): void {
    if (to < from) return;
    const out: SeqRange[] = [];
    let cur = { from, to };
    for (const r of this.ranges) {
      if (r.to + 1 < cur.from) out.push(r);
      else if (cur.to + 1 < r.from) { out.push(cur); cur = r; } else cur = { from: Math.min(r.from, cur.from), to: Math.max(r.to, cur.to) };
    }
    out.push(cur);
    this.ranges = out.sort((a, b) => a.from - b.from);
  }

  /**
   * The head after moving over every lost range that starts right above it,
   * ranges at or below it forgotten. Returns `head` itself when nothing moved.
   */
  advance(head: number): number {
    let h = head;
    while (this.ranges.length && this.ranges[0]!.from <= h + 1) h = Math.max(h, this.ranges.shift()!.to);
    return h;
  }

  has(seq: number): boolean {
    return this.ranges.some((r) => r.from <= seq && seq <= r.to);
  }

  clear(): void { this.ranges = []; }
}
