/**
 * Half-open intervals [start, end) in UTC ms. Two intervals overlap only when
 * they share a stretch of positive length; touching intervals do not.
 */
export interface Interval { start: number; end: number }

export function overlaps(a: Interval, b: Interval): boolean {
  return a.start < b.end && a.end > b.start;
}

/** Sorted, merged union; touching intervals merge too (no gap between them). New objects: the input is never changed. */
export function union(list: readonly Interval[]): Interval[] {
  const out: Interval[] = [];
  for (const x of byStart(list)) {
    if (!(x.end > x.start)) continue;
    const last = out[out.length - 1];
    if (last && x.start <= last.end) { if (x.end > last.end) last.end = x.end; } else out.push({ start: x.start, end: x.end });
  }
  return out;
}

/** The length of the union, without building it. */
export function measure(list: readonly Interval[]): number {
  let total = 0, start = 0, end = 0, any = false;
  for (const x of byStart(list)) {
    if (!(x.end > x.start)) continue;
    if (any && x.start <= end) { if (x.end > end) end = x.end; continue; }
    if (any) total += end - start;
    start = x.start; end = x.end; any = true;
  }
  return any ? total + (end - start) : total;
}

/**
 * The list by start then end. Most lists reconciling a month are sorted
 * already (a report's windows, spans of a timeline, unions of them), and a
 * month of 10,000 customers makes millions of these calls: a sorted list is
 * returned as it is, with no copy and no sort.
 */
function byStart(list: readonly Interval[]): readonly Interval[] {
  for (let k = 1; k < list.length; k++) {
    const a = list[k - 1]!, b = list[k]!;
    if (b.start < a.start || (b.start === a.start && b.end < a.end)) return [...list].sort((x, y) => x.start - y.start || x.end - y.end);
  }
  return list;
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
