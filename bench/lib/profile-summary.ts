/**
 * Summarises a V8 .cpuprofile (from node --cpu-prof, e.g. `npm run bench --
 * --profile DIR`) as the functions with the most self time, so a profile can be
 * read in a terminal and quoted in a report.
 *
 *   node --import tsx bench/lib/profile-summary.ts [--top N] FILE.cpuprofile...
 */
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';

interface Node { id: number; callFrame: { functionName: string; url: string; lineNumber: number }; children?: number[] }
interface Profile { nodes: Node[]; samples: number[]; timeDeltas: number[]; startTime: number; endTime: number }

export function summarise(p: Profile, top = 25): { totalMs: number; rows: { name: string; selfMs: number; share: number }[] } {
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const self = new Map<string, number>();
  p.samples.forEach((id, i) => {
    const n = byId.get(id)!;
    const f = n.callFrame;
    const where = f.url ? `${basename(f.url)}:${f.lineNumber + 1}` : '';
    const key = `${f.functionName || '(anonymous)'} ${where}`.trim();
    self.set(key, (self.get(key) ?? 0) + (p.timeDeltas[i] ?? 0) / 1000);
  });
  const totalMs = [...self.values()].reduce((a, b) => a + b, 0);
  const rows = [...self.entries()].sort((a, b) => b[1] - a[1]).slice(0, top).map(([name, selfMs]) => ({ name, selfMs, share: selfMs / totalMs }));
  return { totalMs, rows };
}

if (process.argv[1] && import.meta.url.endsWith(basename(process.argv[1]))) {
  const args = process.argv.slice(2);
  const t = args.indexOf('--top');
  const top = t >= 0 ? Number(args.splice(t, 2)[1]) : 25;
  if (args.length === 0 || !Number.isInteger(top) || top <= 0) { console.error('usage: profile-summary.ts [--top N] FILE.cpuprofile...'); process.exit(2); }
  for (const file of args) {
    const { totalMs, rows } = summarise(JSON.parse(readFileSync(file, 'utf8')) as Profile, top);
    console.log(`${file}: ${totalMs.toFixed(0)} ms sampled`);
    for (const r of rows) console.log(`${r.selfMs.toFixed(0).padStart(8)} ms ${(r.share * 100).toFixed(1).padStart(5)} %  ${r.name}`);
  }
}
