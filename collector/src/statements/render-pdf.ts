/**
 * HTML to PDF with Debian's headless Chromium (`--print-to-pdf`): the
 * collector has no browser library at run time, and the command line does all
 * a static page needs, so one process per render, nothing kept between them.
 *
 * Each render gets a fresh 0700 temp directory (page, output, profile, HOME),
 * runs in a process group of its own, is bounded in time (the whole group is
 * killed on overrun), and the directory is removed whatever happens. The page
 * gets a Content-Security-Policy that allows inline styles and data: images
 * only: no script runs and nothing is fetched, whatever text ended up in it.
 * The command line does all a static page needs; the DevTools protocol would
 * add a WebSocket client and a long-lived browser for nothing.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { DcprobeError, E } from '@dcprobe/shared';

export const CHROMIUM = '/usr/bin/chromium';
const CSP = `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">`;
const FLAGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
  '--disable-component-update', '--disable-sync', '--disable-extensions', '--disable-crash-reporter', '--disable-breakpad',
  '--no-pdf-header-footer',
];

export interface RenderOptions {
  chromium?: string;
  /** Bound on the whole render; default 60 s. */
  timeoutMs?: number;
  /** Parent of the per-render temp directory; default the system's. */
  tmpDir?: string;
}

export async function renderPdf(html: string, o: RenderOptions = {}): Promise<Buffer> {
  const head = /<head(\s[^>]*)?>/i.exec(html);
  if (!head) throw new DcprobeError(E.RENDER_FAILED, 'render: the page has no <head> to put its security policy in');
  const page = html.slice(0, head.index + head[0].length) + CSP + html.slice(head.index + head[0].length);
  const dir = await mkdtemp(join(o.tmpDir ?? tmpdir(), 'dcprobe-pdf-'));
  try {
    const input = join(dir, 'statement.html'), output = join(dir, 'statement.pdf');
    await writeFile(input, page, { mode: 0o600 });
    await runChromium(o.chromium ?? CHROMIUM, [...FLAGS, `--user-data-dir=${join(dir, 'profile')}`, `--print-to-pdf=${output}`, pathToFileURL(input).href], dir, o.timeoutMs ?? 60_000);
    let pdf: Buffer;
    try { pdf = await readFile(output); } catch { throw new DcprobeError(E.RENDER_FAILED, 'render: chromium wrote no PDF'); }
    if (pdf.subarray(0, 5).toString('latin1') !== '%PDF-') throw new DcprobeError(E.RENDER_FAILED, 'render: chromium wrote something that is not a PDF');
    return pdf;
  } finally {
    await reapStragglers(dir);
    await rm(dir, { recursive: true, force: true, maxRetries: 5, retryDelay: 100 });
  }
}

/**
 * Chromium's crash handler runs in a session of its own, outside the group
 * killed on overrun. Every process this render started names its temp
 * directory in its arguments, and nothing else can: those are ended by PID.
 */
async function reapStragglers(dir: string): Promise<void> {
  let pids: string[];
  try { pids = (await readdir('/proc')).filter((p) => /^\d+$/.test(p)); } catch { return; }
  for (const pid of pids) {
    const cmd = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
    if (cmd.includes(dir)) try { process.kill(Number(pid), 'SIGKILL'); } catch { /* gone */ }
  }
}

function runChromium(bin: string, args: string[], home: string, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    // A group of its own: the browser's helper processes go with it when it is killed.
    const child = spawn(bin, args, {
      detached: true, stdio: ['ignore', 'ignore', 'pipe'],
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: home, XDG_CONFIG_HOME: home, XDG_CACHE_HOME: home, LANG: 'C.UTF-8' },
    });
    let err = '';
    child.stderr!.on('data', (b: Buffer) => { err = (err + b.toString()).slice(-4096); });
    const killGroup = () => { try { process.kill(-child.pid!, 'SIGKILL'); } catch { /* already gone */ } };
    let timedOut = false;
    const timer = setTimeout(() => { timedOut = true; killGroup(); }, timeoutMs);
    child.once('error', (e: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      reject(new DcprobeError(E.RENDER_FAILED, `render: cannot start ${bin}: ${e.code ?? 'error'}`));
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      killGroup(); // helpers that outlived the browser
      if (timedOut) reject(new DcprobeError(E.RENDER_FAILED, `render: chromium did not finish within ${timeoutMs} ms`));
      else if (code !== 0) reject(new DcprobeError(E.RENDER_FAILED, `render: chromium exited with ${code ?? signal}: ${lastLine(err)}`));
      else resolve();
    });
  });
}

function lastLine(s: string): string {
  const lines = s.trim().split('\n').filter((l) => !/dbus|DBus/.test(l));
  return (lines[lines.length - 1] ?? '').slice(0, 300);
}
