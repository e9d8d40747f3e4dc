/**
 * Benchmark child processes with a small request/reply channel over IPC. Each
 * measured party (server, load generator) runs in its own process so the CPU
 * and memory each reports are its own, and the load generator's work does not
 * hide inside the server's event loop.
 */
import { fork, type ChildProcess } from 'node:child_process';

type Handler = (args: any) => unknown;
interface Request { id: number; cmd: string; args: unknown }
interface Reply { id: number; ok: boolean; result?: unknown; error?: string }

export class Child {
  private nextId = 1;
  private readonly waiting = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  private exited: Promise<number | null>;

  private constructor(readonly name: string, private readonly proc: ChildProcess) {
    proc.on('message', (m: Reply) => {
      const w = this.waiting.get(m.id);
      if (!w) return;
      this.waiting.delete(m.id);
      if (m.ok) w.resolve(m.result); else w.reject(new Error(`${name}: ${m.error}`));
    });
    this.exited = new Promise((resolve) => proc.once('exit', (code) => {
      for (const w of this.waiting.values()) w.reject(new Error(`${name} exited (code ${code}) before replying`));
      this.waiting.clear();
      resolve(code);
    }));
  }

  /** Starts `script` under tsx; `nodeArgs` go to node (e.g. --cpu-prof, --expose-gc). */
  static start(name: string, script: string, nodeArgs: string[] = []): Child {
    const proc = fork(script, [], { execArgv: ['--import', 'tsx', ...nodeArgs], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    return new Child(name, proc);
  }

  get pid(): number | undefined { return this.proc.pid; }

  call<T>(cmd: string, args: unknown = {}, timeoutMs = 60_000): Promise<T> {
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      const t = setTimeout(() => { this.waiting.delete(id); reject(new Error(`${this.name}: ${cmd} took longer than ${timeoutMs} ms`)); }, timeoutMs);
      this.waiting.set(id, {
        resolve: (v) => { clearTimeout(t); resolve(v as T); },
        reject: (e) => { clearTimeout(t); reject(e); },
      });
      this.proc.send({ id, cmd, args } satisfies Request);
    });
  }

  /** Asks the child to exit (so --cpu-prof writes its profile); kills it if it does not. */
  async stop(timeoutMs = 10_000): Promise<void> {
    if (this.proc.exitCode !== null || this.proc.signalCode !== null) return;
    this.proc.send({ id: 0, cmd: 'exit', args: {} } satisfies Request);
    const t = setTimeout(() => this.proc.kill('SIGKILL'), timeoutMs);
    await this.exited;
    clearTimeout(t);
  }
}

/** In the child: answers requests with the given handlers; `exit` ends the process cleanly. */
export function serveRequests(handlers: Record<string, Handler>, onExit: () => Promise<void> = async () => {}): void {
  if (!process.send) throw new Error('this script is a benchmark child: start it with Child.start()');
  // An orphaned child (parent killed) must not run on: exit with the IPC channel.
  process.on('disconnect', () => { void onExit().finally(() => process.exit(0)); });
  process.on('message', (m: Request) => {
    if (m.cmd === 'exit') { void onExit().finally(() => process.exit(0)); return; }
    const h = handlers[m.cmd];
    const reply = (r: Omit<Reply, 'id'>) => process.send!({ id: m.id, ...r } satisfies Reply);
    if (!h) { reply({ ok: false, error: `unknown command ${m.cmd}` }); return; }
    Promise.resolve().then(() => h(m.args)).then(
      (result) => reply({ ok: true, result }),
      (e: unknown) => reply({ ok: false, error: (e as Error).stack ?? String(e) }),
    );
  });
}
