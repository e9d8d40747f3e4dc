/**
 * A worker thread called like a function: `call(msg)` posts the message with
 * an id and resolves with the thread's answer to that id; messages without an
 * id go to `onMessage`. A thread that died fails what waited and is started
 * afresh on the next call. The thread's side of the protocol: post
 * `{ ready: true }` once open, answer `{ id, ok: true, result }` or
 * `{ id, ok: false, message }`, and exit on `{ close: true }`.
 */
import { Worker } from 'node:worker_threads';

type Reply = { id: number; ok: true; result?: unknown } | { id: number; ok: false; message: string } | { ready: true };

export interface ThreadOptions {
  /** The module the thread runs (TypeScript or JavaScript), as a file URL. */
  entry: URL;
  /** Handed to the thread as `workerData`. */
  data: Record<string, unknown>;
  /** Names the thread in errors, e.g. `store projector`. */
  label: string;
  /** What it works on, for the error at start-up, e.g. the file it opens. */
  target: string;
  onMessage?: (m: unknown) => void;
}

export class Thread {
  private worker: Worker | null = null;
  private readonly waiting = new Map<number, { resolve: (r: unknown) => void; reject: (e: Error) => void }>();
  private nextId = 1;
  private closed = false;
  private started: Promise<void>;
  /** Resolves when the latest worker has exited: one that failed may still be closing its files. */
  private exited: Promise<void> = Promise.resolve();

  constructor(private readonly o: ThreadOptions) {
    this.started = this.start();
  }

  /** Resolves once the thread said it is open; rejects if it died first. */
  ready(): Promise<void> { return this.started; }

  private start(): Promise<void> {
    const w = new Worker(new URL('./thread-entry.mjs', import.meta.url), { workerData: { ...this.o.data, entry: this.o.entry.href } });
    this.exited = new Promise<void>((r) => w.once('exit', () => r()));
    let opened: () => void = () => {};
    let failed: (e: Error) => void = () => {};
    const ready = new Promise<void>((resolve, reject) => { opened = resolve; failed = reject; });
    w.on('message', (m: Reply | Record<string, unknown>) => {
      if ('ready' in m) { opened(); return; }
      if (!('id' in m) || typeof m.id !== 'number') { this.o.onMessage?.(m); return; }
      const p = this.waiting.get(m.id);
      if (!p) return;
      this.waiting.delete(m.id);
      if (m.ok) p.resolve((m as { result?: unknown }).result); else p.reject(new Error((m as { message: string }).message));
    });
    const died = (why: string) => {
      failed(new Error(`${this.o.label} for ${this.o.target} stopped: ${why}`));
      if (this.worker === w) this.worker = null;
      for (const [id, p] of this.waiting) { this.waiting.delete(id); p.reject(new Error(`${this.o.label} stopped: ${why}`)); }
    };
    w.on('error', (e) => died(e.message));
    w.on('exit', (code) => died(`exit code ${code}`));
    this.worker = w;
    ready.catch(() => {}); // a restart nobody awaits must not become an unhandled rejection
    return ready;
  }

  private live(): Worker {
    if (this.closed) throw new Error(`${this.o.label} closed`);
    if (!this.worker) this.started = this.start();
    return this.worker!;
  }

  call(msg: Record<string, unknown>): Promise<unknown> {
    let w: Worker;
    try { w = this.live(); } catch (e) { return Promise.reject(e); }
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.waiting.set(id, { resolve, reject });
      w.postMessage({ id, ...msg }); // queued by the port until the thread listens
    });
  }

  /** A message that needs no answer. */
  post(msg: Record<string, unknown>): void {
    if (!this.closed) this.live().postMessage(msg);
  }

  /** Asks the thread to finish and waits for it to exit (also one that failed and is still exiting); later calls fail. */
  async close(): Promise<void> {
    this.closed = true;
    this.worker?.postMessage({ close: true });
    await this.exited;
  }
}
