/** The page's only stylesheet, inline (closed network: no CDN, no web fonts). Print keeps the colours. */
export const PAGE_CSS = `
:root { --up:#2e7d32; --down:#c62828; --unknown:#9e9e9e; --excl:#6a1b9a; --claim:#ef6c00; --count:#1565c0; }
* { box-sizing: border-box; }
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", sans-serif; color:#111; margin: 24px auto; max-width: 1100px; padding: 0 16px; }
h1 { font-size: 22px; margin: 0 0 4px; } h2 { font-size: 18px; margin: 28px 0 6px; border-bottom: 2px solid #333; }
h2 small, .meta { color:#555; font-weight: normal; font-size: 13px; }
table { border-collapse: collapse; margin: 10px 0; width: 100%; }
caption { text-align: left; font-weight: 600; padding: 4px 0; }
th, td { border: 1px solid #ccc; padding: 3px 6px; text-align: left; vertical-align: top; }
table.minutes { width: auto; min-width: 420px; } .num { color:#555; font-variant-numeric: tabular-nums; }
td[data-figure] { font-variant-numeric: tabular-nums; }
.verdict-line { font-weight: 700; padding: 6px 10px; border-radius: 4px; display: inline-block; }
.verdict-line.breached { background:#ffebee; color: var(--down); border:1px solid var(--down); }
.verdict-line.ok { background:#e8f5e9; color: var(--up); border:1px solid var(--up); }
.verdict.confirmed { color: var(--down); font-weight: 600; } .verdict.not_confirmed { color:#555; }
.verdict.unverified { color: var(--claim); font-weight: 600; } .verdict.late { color:#555; font-style: italic; }
.timer.missed { color: var(--down); font-weight: 700; } .timer.met { color: var(--up); } .open { color: var(--claim); font-weight: 600; }
svg.timeline { display: block; margin: 8px 0 2px; border: 1px solid #ddd; background: #fff; }
svg .up { fill: #c8e6c9; } svg .down { fill: var(--down); } svg .unknown { fill: var(--unknown); }
svg .gap { fill: var(--unknown); } svg .excluded { fill: var(--excl); opacity: .7; }
svg .claimed { fill: none; stroke: var(--claim); stroke-width: 2; } svg .countable { fill: var(--count); }
svg .reported { fill: #111; } svg .notice { fill: var(--up); }
svg .tick { stroke: #eee; stroke-width: 1; } svg .asof { stroke: #111; stroke-dasharray: 3 3; }
svg .label { font-size: 11px; fill: #333; } svg .day { font-size: 9px; fill: #777; }
.legend { font-size: 12px; color:#444; margin: 0 0 8px; } .legend .k { display:inline-block; width: 14px; height: 10px; margin: 0 3px 0 10px; vertical-align: middle; }
.k.up { background:#c8e6c9; } .k.down { background: var(--down); } .k.unknown { background: var(--unknown); }
.k.excluded { background: var(--excl); } .k.claimed { border: 2px solid var(--claim); } .k.countable { background: var(--count); }
.notice-k { color: var(--up); }
td.port-state.down { color: var(--down); font-weight: 600; } td.port-state.unknown { color:#555; }
@page { size: A4 landscape; margin: 12mm; }
td.words { white-space: pre-wrap; }
@media print {
  body { margin: 0; max-width: none; font-size: 11px; }
  * { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
  section.service { break-inside: avoid-page; } table, svg { break-inside: avoid; }
  h2 { margin-top: 12px; }
}
`;
