/**
 * Host facts for the hello (hostname, OS, CPUs, memory), from node:os and
 * /etc/os-release: nothing to install, nothing that shells out, read once.
 */
import os from 'node:os';
import { readFileSync } from 'node:fs';

export interface HostFacts { hostname: string; os: string; cpus: number; memBytes: number }

let cached: HostFacts | undefined;

/** `Debian GNU/Linux 12 (bookworm), Linux 6.1.0-18-amd64, x64`; the distribution only where os-release says it. */
function osName(): string {
  const kernel = `${os.type()} ${os.release()}, ${os.arch()}`;
  try {
    const m = /^PRETTY_NAME=(?:"([^"]*)"|(.*))$/m.exec(readFileSync('/etc/os-release', 'utf8'));
    const distro = (m?.[1] ?? m?.[2] ?? '').trim();
    return (distro ? `${distro}, ${kernel}` : kernel).slice(0, 255);
  } catch {
    return kernel;
  }
}

export function hostFacts(): HostFacts {
  cached ??= { hostname: os.hostname(), os: osName(), cpus: os.availableParallelism(), memBytes: os.totalmem() };
  return cached;
}
