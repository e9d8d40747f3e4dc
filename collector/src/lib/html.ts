/** Escaping and small formatting helpers for the server-rendered report page. */
export function esc(v: unknown): string {
  return String(v ?? '').replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

/** Seconds as people read them on a dispute page: `1 h 05 min 30 s`. */
export function duration(sec: number): string {
  const s = Math.round(sec);
  const h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60), r = s % 60;
  if (h > 0) return `${h} h ${String(m).padStart(2, '0')} min${r ? ` ${String(r).padStart(2, '0')} s` : ''}`;
  if (m > 0) return `${m} min${r ? ` ${String(r).padStart(2, '0')} s` : ''}`;
  return `${r} s`;
}

/** An ISO time with offset shown without the offset noise: `2026-11-03 10:05`. */
export function shortTime(iso: string | null): string {
  if (!iso) return '—';
  const m = /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2})(:\d{2})?/.exec(iso);
  return m ? `${m[1]} ${m[2]}${m[3] && m[3] !== ':00' ? m[3] : ''}` : iso;
}

/** An element that carries a figure for machines (`data-figure`, exact `data-value`) and people (text). */
export function figure(service: string, name: string, value: number | boolean | null, text: string): string {
  return `<td data-service="${esc(service)}" data-figure="${esc(name)}" data-value="${esc(value === null ? '' : value)}">${esc(text)}</td>`;
}
