/**
 * prometheus-snmp-exporter as a reference poller: its config is generated at
 * bench time with the upstream generator from bench/snmp-exporter/generator.yml
 * and the net-snmp npm package's MIB files, into a temporary directory; the
 * exporter then runs on 127.0.0.1 and a free port, stopped by its PID.
 *
 *   const ex = await startSnmpExporter();
 *   await ex.scrape(host, 'if_mib')  → { ms, samples, bytes }
 *   ex.pid, ex.configFile, ex.metrics('if_mib') (metric count per module)
 *   await ex.stop()
 */
import { execFile } from 'node:child_process';
import { copyFile, readFile, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml } from 'yaml';
import { freeTcpPort } from '../../test/support/ports.ts';
import { spawnDaemon } from '../../test/support/procs.ts';
import { tempDir } from '../../test/support/temp.ts';
import { waitUntil } from '../../test/support/wait.ts';

const GENERATOR_YML = fileURLToPath(new URL('../snmp-exporter/generator.yml', import.meta.url));

/** IF-MIB and its imports, as the net-snmp npm package ships them (Debian has no IF-MIB text: docs/testing.md). */
export function netSnmpMibDir(): string {
  const require = createRequire(import.meta.url);
  return join(dirname(require.resolve('net-snmp/package.json')), 'lib', 'mibs');
}

export interface SnmpExporter {
  pid: number;
  url: string;
  configFile: string;
  /** How many metrics the generator put into each module. */
  metrics(module: string): number;
  scrape(target: string, module: string): Promise<{ ms: number; samples: number; bytes: number }>;
  stop(): Promise<void>;
}

function generate(dir: string): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile('prometheus-snmp-generator', ['generate', '--output-path', join(dir, 'snmp.yml')],
      { cwd: dir, env: { ...process.env, MIBDIRS: netSnmpMibDir() }, timeout: 60_000 },
      (err, _stdout, stderr) => (err ? reject(new Error(`prometheus-snmp-generator failed: ${stderr.slice(-2000)}`)) : resolve()));
  });
}

export async function startSnmpExporter(): Promise<SnmpExporter> {
  const dir = tempDir('dcprobe-bench-snmp-exporter-').dir;
  try {
    await copyFile(GENERATOR_YML, join(dir, 'generator.yml'));
    await generate(dir);
    const configFile = join(dir, 'snmp.yml');
    const modules = parseYaml(await readFile(configFile, 'utf8')) as Record<string, { metrics?: unknown[] }>;
    // A port taken between freeTcpPort and the exporter's bind: try another.
    for (let attempt = 0; ; attempt++) {
      const port = await freeTcpPort();
      const url = `http://127.0.0.1:${port}`;
      const d = spawnDaemon('snmp_exporter', 'prometheus-snmp-exporter',
        [`--config.file=${configFile}`, `--web.listen-address=127.0.0.1:${port}`, '--log.level=warn']);
      try {
        await waitUntil('snmp_exporter to listen', async () => {
          if (d.hasExited()) throw new Error(`snmp_exporter exited: ${d.output()}`);
          return (await fetch(`${url}/`)).ok;
        }, { timeoutMs: 10_000, intervalMs: 50 });
      } catch (e) {
        await d.stop();
        if (attempt < 2) continue;
        throw e;
      }
      return {
        pid: d.pid, url, configFile,
        metrics: (m) => modules[m]?.metrics?.length ?? 0,
        async scrape(target, module) {
          const t0 = performance.now();
          const res = await fetch(`${url}/snmp?target=${encodeURIComponent(target)}&module=${encodeURIComponent(module)}`);
          const text = await res.text();
          const ms = performance.now() - t0;
          if (!res.ok) throw new Error(`snmp_exporter scrape of ${module} failed (${res.status}): ${text.slice(0, 500)}`);
          let samples = 0;
          for (const line of text.split('\n')) if (line && line[0] !== '#') samples++;
          return { ms, samples, bytes: text.length };
        },
        async stop() {
          await d.stop();
          await rm(dir, { recursive: true, force: true });
        },
      };
    }
  } catch (e) {
    await rm(dir, { recursive: true, force: true });
    throw e;
  }
}
