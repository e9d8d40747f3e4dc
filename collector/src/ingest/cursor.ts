/**
 * Per-agent ack cursor: the highest seq up to which every event is committed
 * (or quarantined). Seqs committed past a hole wait in `above` until the hole fills.
 */
export class SeqCursor {
  private readonly above = new Set<number>();
  constructor(public committed: number) {}

  clone(): SeqCursor {
    const c = new SeqCursor(this.committed);
    for (const s of this.above) c.above.add(s);
    return c;
  }

  has(seq: number): boolean {
    return seq <= this.committed || this.above.has(seq);
  }

  add(seq: number): void {
    if (seq === this.committed + 1 && this.above.size === 0) { this.committed = seq; return; } // in order: the common case
    if (seq <= this.committed) return;
    this.above.add(seq);
    while (this.above.delete(this.committed + 1)) this.committed++;
  }

  /** Takes in what the store holds (committed by another collector meanwhile): never moves back. */
  merge(committed: number, above: readonly number[]): void {
    if (committed > this.committed) {
      this.committed = committed;
      for (const s of [...this.above]) if (s <= committed) this.above.delete(s);
    }
    for (const s of above) if (s > this.committed) this.above.add(s);
    while (this.above.delete(this.committed + 1)) this.committed++;
  }

  /** The agent no longer holds anything below `firstSeq`: what was never committed is lost. */
  skipTo(firstSeq: number): { from: number; to: number } | null {
    if (firstSeq <= this.committed + 1) return null;
    const lost = { from: this.committed + 1, to: firstSeq - 1 };
    this.committed = firstSeq - 1;
    for (const s of [...this.above]) if (s <= this.committed) this.above.delete(s);
    while (this.above.delete(this.committed + 1)) this.committed++;
    return lost;
  }

  /** The first hole above the cursor, if later seqs are waiting. */
  hole(): { from: number; to: number } | null {
    if (this.above.size === 0) return null;
    const next = Math.min(...this.above);
    return { from: this.committed + 1, to: next - 1 };
  }
}
