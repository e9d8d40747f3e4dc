/**
 * The programs as they ship: built by scripts/build.mjs into a temporary
 * directory (plain node, no tsx), started as real processes.
 *
 *   const built = await buildPrograms();          // once per test file
 *   const p = startProgram(built.collector, ['run', '--config', file]);
 *   const end = await p.exited(5_000);            // { code, signal, ms, stdout, stderr } or throws after 5 s
 *   p.kill();                                     // SIGTERM by PID (SIGKILL after 5 s); also done on test process exit
 *
 * The build directory gets a `node_modules` link to the checkout's, so the
 * native modules the bundles leave external (better-sqlite3) resolve as they
 * do in the packages.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { expect } from 'vitest';

export const ROOT = resolve(import.meta.dirname, '../..');

export interface Built { dir: string; agent: string; collector: string; cleanup(): void }

export function buildPrograms(extraEnv: Record<string, string> = {}): Promise<Built> {
  const dir = mkdtempSync(join(tmpdir(), 'dcprobe-built-'));
  chmodSync(dir, 0o755); // readable by the unprivileged users some tests run the programs as
  symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'));
  return new Promise((res, rej) => {
    execFile(process.execPath, [join(ROOT, 'scripts/build.mjs'), '--out', dir, '--no-sourcemap'], { env: { ...process.env, ...extraEnv }, timeout: 120_000 }, (err, _out, stderr) => {
      if (err) { rmSync(dir, { recursive: true, force: true }); rej(new Error(`build failed: ${stderr}`)); return; }
      res({
        dir, agent: join(dir, 'agent/dcprobe-agent.mjs'), collector: join(dir, 'collector/dcprobe-collector.mjs'),
        cleanup: () => rmSync(dir, { recursive: true, force: true }),
      });
    });
  });
}

export interface Exit { code: number | null; signal: NodeJS.Signals | null; ms: number; stdout: string; stderr: string }

export interface Program {
  child: ChildProcess;
  readonly stdout: string;
  readonly stderr: string;
  /** Resolves when the process has exited; rejects (and kills it) if it is still running after `ms`. */
  exited(ms: number): Promise<Exit>;
  kill(): Promise<void>;
}

const running = new Set<ChildProcess>();
let hooked = false;
function killAllOnExit(): void {
  if (hooked) return;
  hooked = true;
  process.on('exit', () => { for (const c of running) { try { process.kill(c.pid!, 'SIGKILL'); } catch { /* gone */ } } });
}

/** Starts `node main args…` (or `wrap… node main args…`, e.g. setpriv to run as another user). */
export function startProgram(main: string, args: readonly string[], opts: { env?: NodeJS.ProcessEnv; wrap?: readonly string[]; input?: string } = {}): Program {
  killAllOnExit();
  const argv = [...(opts.wrap ?? []), process.execPath, main, ...args];
  const t0 = Date.now();
  const child = spawn(argv[0]!, argv.slice(1), { env: opts.env ?? process.env, stdio: ['pipe', 'pipe', 'pipe'] });
  child.stdin!.end(opts.input ?? '');
  running.add(child);
  let stdout = '', stderr = '';
  child.stdout!.on('data', (d) => { stdout += String(d); });
  child.stderr!.on('data', (d) => { stderr += String(d); });
  const done = new Promise<Exit>((res) => child.once('close', (code, signal) => {
    running.delete(child);
    res({ code, signal, ms: Date.now() - t0, stdout, stderr });
  }));
  const kill = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    const t = setTimeout(() => child.kill('SIGKILL'), 5_000);
    await done;
    clearTimeout(t);
  };
  return {
    child,
    get stdout() { return stdout; },
    get stderr() { return stderr; },
    async exited(ms) {
      let timer: NodeJS.Timeout | undefined;
      const late = new Promise<never>((_, rej) => { timer = setTimeout(() => rej(new Error(`still running after ${ms} ms; output so far:\n${stdout}${stderr}`)), ms); });
      try {
        return await Promise.race([done, late]);
      } catch (e) {
        await kill();
        throw e;
      } finally {
        clearTimeout(timer);
      }
    },
    kill,
  };
}

/** Polls an HTTP URL until it answers 2xx (or `ms` passes); returns the body. */
export async function httpUntilOk(url: string, ms: number, p?: Program): Promise<string> {
  const end = Date.now() + ms;
  let last = '';
  while (Date.now() < end) {
    if (p && (p.child.exitCode !== null || p.child.signalCode !== null)) throw new Error(`exited before ${url} answered:\n${p.stdout}${p.stderr}`);
    try {
      const r = await fetch(url);
      if (r.ok) return await r.text();
      last = `HTTP ${r.status}`;
    } catch (e) { last = (e as Error).message; }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${url} did not answer within ${ms} ms (${last})`);
}

/** Every line of a program's output as JSON; a line that is not JSON fails, naming it. */
export function jsonLines(text: string): Record<string, unknown>[] {
  return text.split('\n').filter((l) => l.trim() !== '').map((l) => {
    try { return JSON.parse(l) as Record<string, unknown>; } catch { throw new Error(`not a JSON log line: ${l}`); }
  });
}

/**
 * Runs `run --config FILE` of a built program and expects what a start that
 * cannot succeed promises: the process exits by itself within `ms` with `code`,
 * nothing on stderr, and exactly one fatal JSON line naming the program and the
 * config. Returns that line's message.
 */
export async function failsToStart(main: string, program: string, file: string, code: number, opts: { ms: number; wrap?: readonly string[] }): Promise<string> {
  const end = await startProgram(main, ['run', '--config', file], opts.wrap ? { wrap: opts.wrap } : {}).exited(opts.ms);
  const lines = jsonLines(end.stdout);
  expect({ code: end.code, stderr: end.stderr, lines: lines.length }).toEqual({ code, stderr: '', lines: 1 });
  expect(lines[0]).toMatchObject({ level: 60, name: program, config: file });
  return lines[0]!.msg as string;
}
