/**
 * Host facts for the hello (hostname, OS, CPUs, memory). systeminformation
 * shells out and reads /proc, which takes up to seconds, so the facts are
 * gathered once and cached; node's os module answers if it fails or is slow.
 */
import os from 'node:os';
import si from 'systeminformation';

export interface HostFacts { hostname: string; os: string; cpus: number; memBytes: number }

let cached: Promise<HostFacts> | undefined;

export function hostFacts(timeoutMs = 5_000): Promise<HostFacts> {
  cached ??= gather(timeoutMs);
  return cached;
}

async function gather(timeoutMs: number): Promise<HostFacts> {
  const fallback: HostFacts = {
    hostname: os.hostname(), os: `${os.type()} ${os.release()}`, cpus: os.cpus().length, memBytes: os.totalmem(),
  };
  let timer: NodeJS.Timeout | undefined;
  const slow = new Promise<HostFacts>((resolve) => { timer = setTimeout(() => resolve(fallback), timeoutMs); timer.unref(); });
  const fromSi = (async (): Promise<HostFacts> => {
    const [info, cpu, mem] = await Promise.all([si.osInfo(), si.cpu(), si.mem()]);
    return {
      hostname: info.hostname || fallback.hostname,
      os: [info.distro, info.release, info.arch].filter(Boolean).join(' ') || fallback.os,
      cpus: cpu.cores || fallback.cpus,
      memBytes: mem.total || fallback.memBytes,
    };
  })().catch(() => fallback);
  try {
    return await Promise.race([fromSi, slow]);
  } finally {
    clearTimeout(timer);
  }
}
