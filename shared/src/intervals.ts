/**
 * Half-open intervals [start, end) in UTC ms. Two intervals overlap only when
 * they share a stretch of positive length; touching intervals do not.
 */
export interface Interval { start: number; end: number }

export function overlaps(a: Interval, b: Interval): boolean {
  return a.start < b.end && a.end > b.start;
}

/** Sorted, merged union; touching intervals merge too (no gap between them). */
export function union(list: readonly Interval[]): Interval[] {
  const xs = list.filter((i) => i.end > i.start).map((i) => ({ start: i.start, end: i.end }));
  xs.sort((a, b) => a.start - b.start || a.end - b.end);
  const out: Interval[] = [];
  for (const x of xs) {
    const last = out[out.length - 1];
    if (last && x.start <= last.end) last.end = Math.max(last.end, x.end);
    else out.push(x);
  }
  return out;
}

export function measure(list: readonly Interval[]): number {
  return union(list).reduce((s, i) => s + (i.end - i.start), 0);
}

export function clip(list: readonly Interval[], w: Interval): Interval[] {
  const out: Interval[] = [];
  for (const i of list) {
    const s = Math.max(i.start, w.start), e = Math.min(i.end, w.end);
    if (e > s) out.push({ start: s, end: e });
  }
  return out;
}

export function intersect(a: readonly Interval[], b: readonly Interval[]): Interval[] {
  const ua = union(a), ub = union(b);
  const out: Interval[] = [];
  let i = 0, j = 0;
  while (i < ua.length && j < ub.length) {
    const x = ua[i]!, y = ub[j]!;
    const s = Math.max(x.start, y.start), e = Math.min(x.end, y.end);
    if (e > s) out.push({ start: s, end: e });
    if (x.end < y.end) i++; else j++;
  }
  return out;
}

/** a minus b. */
export function subtract(a: readonly Interval[], b: readonly Interval[]): Interval[] {
  const ub = union(b);
  const out: Interval[] = [];
  for (const x of union(a)) {
    let cur = x.start;
    for (const y of ub) {
      if (y.end <= cur || y.start >= x.end) continue;
      if (y.start > cur) out.push({ start: cur, end: y.start });
      cur = Math.max(cur, y.end);
      if (cur >= x.end) break;
    }
    if (cur < x.end) out.push({ start: cur, end: x.end });
  }
  return out;
}
