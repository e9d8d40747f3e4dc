/**
 * The Debian packages as an operator meets them (root, a machine without the
 * packages): `npm run package` builds dcprobe-agent and dcprobe-collector,
 * lintian finds no error, `dpkg -i` installs them (system user, root:dcprobe
 * 0640 configs, 0750 state directories), each unit scores OK in
 * `systemd-analyze security --offline=true`, each unit's ExecStart runs as the
 * dcprobe user with the unit's capabilities in a network namespace of the
 * test's own until it answers (collector /healthz, agent /metrics with the link
 * up and the trap port 162 bound), making only system calls its
 * SystemCallFilter allows; an upgrade keeps the operator's config; remove keeps
 * the configs, purge removes them and keeps the collected data.
 *
 * The test removes what it installed (packages, the user if it made it, the
 * files it left) and refuses to run where the packages are already installed.
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { onProcessExit, pidAlive, run, spawnDaemon, type Daemon } from '../support/procs.ts';
import { tempDir } from '../support/temp.ts';
import { GiveUp, waitUntil } from '../support/wait.ts';
import { jsonLines } from '../support/programs.ts';
import { exposure, parseUnit, syscallsIn, syscallsOutside, unitCommand } from './fixtures/systemd-unit.ts';

const ROOT = join(import.meta.dirname, '../..');
const PKGS = ['dcprobe-agent', 'dcprobe-collector'] as const;
const isRoot = process.getuid?.() === 0;
const installed = async (p: string) => (await run('dpkg-query', ['-W', '-f', '${db:Status-Abbrev}', p], { allowFail: true })).stdout.trim();
const preinstalled = isRoot ? (await Promise.all(PKGS.map(installed))).some((s) => s.startsWith('i') || s.startsWith('r')) : false;
const userExisted = isRoot && (await run('getent', ['passwd', 'dcprobe'], { allowFail: true })).code === 0;

/**
 * System calls a traced run may make outside the unit's filter: each fails with
 * EPERM there (SystemCallErrorNumber=EPERM) and the program goes on without it.
 */
const TOLERATED: Record<string, string> = {
  pkey_alloc: 'V8 probes for memory protection keys and runs without them, as on CPUs that lack them',
  syslog: "dmesg, run by the agent's host-facts library (systeminformation); ProtectKernelLogs refuses it too, and the facts fall back to node's os module",
  capset: "ip link, run by the same library, drops capabilities; refused, it fails and the facts fall back to node's os module",
};

const NS = `dcp-${process.pid}-90`;
let tmp: string;
const debs: Record<string, string> = {};
let upgradeDeb = '';
const running: Daemon[] = [];
const scores: Record<string, number> = {};

async function inNs(...argv: string[]) {
  return run('ip', ['netns', 'exec', NS, ...argv], { allowFail: true, timeoutMs: 10_000 });
}

/** Kills what still runs in the test's namespace (only processes this test started can be there), then deletes it. */
function dropNamespace(): void {
  try {
    const pids = execFileSync('ip', ['netns', 'pids', NS], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    for (const pid of pids.split('\n').filter(Boolean).map(Number)) if (pidAlive(pid)) process.kill(pid, 'SIGKILL');
    execFileSync('ip', ['netns', 'del', NS], { stdio: 'ignore' });
  } catch { /* not there */ }
}

function cleanupSystem(): void {
  const sh = (cmd: string, args: string[]) => { try { execFileSync(cmd, args, { stdio: 'ignore' }); } catch { /* best effort */ } };
  dropNamespace();
  sh('dpkg', ['--purge', ...PKGS]);
  rmSync('/etc/dcprobe', { recursive: true, force: true });
  rmSync('/var/lib/dcprobe', { recursive: true, force: true });
  rmSync('/var/lib/dcprobe-agent', { recursive: true, force: true });
  if (!userExisted) { sh('userdel', ['dcprobe']); sh('groupdel', ['dcprobe']); }
}

describe.skipIf(!isRoot || preinstalled)('Debian packages (install, run as the unit runs, upgrade, remove, purge)', () => {
  beforeAll(async () => {
    const node = (await run('dpkg-query', ['-W', '-f', '${Version}', 'nodejs'], { allowFail: true })).stdout;
    if (!node || (await run('dpkg', ['--compare-versions', node, 'ge', '20.19'], { allowFail: true })).code !== 0) {
      throw new Error(`the packages depend on the nodejs Debian package (>= 20.19); this machine has ${node || 'none'}`);
    }
    tmp = tempDir('dcprobe-deb-').dir;
    onProcessExit(cleanupSystem);
    const out = join(tmp, 'dist');
    const built = await run(process.execPath, [join(ROOT, 'scripts/package.mjs'), '--out', out], { timeoutMs: 600_000 });
    for (const line of built.stdout.split('\n')) {
      const m = /^built (.*\/(dcprobe-\w+)_[^/]+\.deb)$/.exec(line);
      if (m) debs[m[2]!] = m[1]!;
    }
    const later = await run(process.execPath, [join(ROOT, 'scripts/package.mjs'), 'agent', '--out', join(tmp, 'later'), '--version', '0.1.0+upgrade1'], { timeoutMs: 600_000 });
    upgradeDeb = /^built (.*\.deb)$/m.exec(later.stdout)![1]!;
  }, 900_000);

  afterAll(async () => {
    for (const d of running) await d.stop();
    cleanupSystem();
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  }, 120_000);

  it('npm run package writes dcprobe-agent_V_all.deb and dcprobe-collector_V_ARCH.deb, and lintian finds no error', async () => {
    const arch = (await run('dpkg', ['--print-architecture'])).stdout.trim();
    expect(Object.fromEntries(PKGS.map((p) => [p, debs[p]!.replace(/^.*\//, '')]))).toEqual({
      'dcprobe-agent': 'dcprobe-agent_0.1.0_all.deb', 'dcprobe-collector': `dcprobe-collector_0.1.0_${arch}.deb`,
    });
    const collector = (await run('dpkg-deb', ['--field', debs['dcprobe-collector']!, 'Depends'])).stdout;
    expect(collector).toMatch(/^nodejs \(>= 20\.19\), nodejs \(<< 21\), adduser, libc6 \(>= [\d.]+\), libstdc\+\+6/);
    const lint = await run('lintian', ['--no-tag-display-limit', ...PKGS.map((p) => debs[p]!)], { allowFail: true, timeoutMs: 600_000 });
    console.log(`lintian: ${lint.stdout.trim() || '(no tags)'}`);
    expect(lint.stdout.split('\n').filter((l) => /^E: /.test(l))).toEqual([]);
  }, 600_000);

  it('dpkg -i: programs on the PATH, the dcprobe system user, root:dcprobe 0640 configs, 0750 state directories', async () => {
    await run('dpkg', ['-i', ...PKGS.map((p) => debs[p]!)], { timeoutMs: 120_000 });
    expect((await run('/usr/bin/dcprobe-collector', ['--version'])).stdout).toMatch(/^dcprobe-collector 0\.1\.0 \(commit [0-9a-f]{12}(-dirty)?, node v20\./);
    expect((await run('sh', ['-c', 'command -v dcprobe-collector; command -v dcprobe-agent'], { env: { PATH: '/usr/sbin:/usr/bin:/sbin:/bin' } })).stdout).toBe('/usr/bin/dcprobe-collector\n/usr/bin/dcprobe-agent\n');
    expect((await run('/usr/bin/dcprobe-agent', ['--version'])).stdout).toMatch(/^dcprobe-agent 0\.1\.0 /);
    const pw = (await run('getent', ['passwd', 'dcprobe'])).stdout.split(':');
    expect(Number(pw[2])).toBeLessThan(1000); // a system user
    expect(pw[6]!.trim()).toBe('/usr/sbin/nologin');
    const gid = Number(pw[3]);
    for (const f of ['/etc/dcprobe/collector.yml', '/etc/dcprobe/agent.yml']) {
      const st = statSync(f);
      expect([f, st.mode & 0o777, st.uid, st.gid]).toEqual([f, 0o640, 0, gid]);
    }
    for (const d of ['/var/lib/dcprobe', '/var/lib/dcprobe-agent']) {
      const st = statSync(d);
      expect([d, st.mode & 0o777, st.uid]).toEqual([d, 0o750, Number(pw[2])]);
    }
  }, 180_000);

  it('each unit scores OK (at most 4.0) in systemd-analyze security --offline=true', async () => {
    for (const p of PKGS) {
      const e = await exposure(`/lib/systemd/system/${p}.service`);
      scores[p] = e.score;
      expect([p, e.verdict]).toEqual([p, 'OK']);
      expect(e.score).toBeLessThanOrEqual(4.0);
    }
    console.log(`systemd-analyze exposure: ${JSON.stringify(scores)}`);
  });

  it("each unit's ExecStart, run as the unit runs it, answers; the agent binds udp/162 and links up; no call outside the filter", async () => {
    await run('ip', ['netns', 'add', NS]);
    await run('ip', ['-n', NS, 'link', 'set', 'lo', 'up']);
    // The operator's edits: an agent token, the collector told about the agent, traps on 162.
    const token = 'package-test-agent-token-0123456789';
    writeFileSync('/etc/dcprobe/agent.token', `${token}\n`, { mode: 0o640 });
    chownSync('/etc/dcprobe/agent.token', 0, statSync('/etc/dcprobe/agent.yml').gid);
    const hash = (await run('/usr/bin/dcprobe-collector', ['hash-token', token])).stdout.trim().replace(/^tokenHash: /, '');
    editConf('/etc/dcprobe/collector.yml', (t) => t.replace(/^agents: \[\]$/m, `agents:\n  - id: rack-01\n    tokenHash: ${hash}`));
    editConf('/etc/dcprobe/agent.yml', (t) => t.replace(/^# traps: .*$/m, 'traps: { listen: 127.0.0.1:162, communities: [public] }'));
    expect((await run('/usr/bin/dcprobe-collector', ['check-config', '/etc/dcprobe/collector.yml'])).code).toBe(0);
    expect((await run('/usr/bin/dcprobe-agent', ['check-config', '/etc/dcprobe/agent.yml'])).code).toBe(0);

    const traces = join(tmp, 'traces');
    mkdirSync(traces);
    chmodSync(tmp, 0o755);
    chownSync(traces, Number((await run('id', ['-u', 'dcprobe'])).stdout), 0);
    const start = (p: string) => {
      const unit = parseUnit(readFileSync(`/lib/systemd/system/${p}.service`, 'utf8'));
      const argv = unitCommand(unit, ['strace', '-f', '-qq', '-o', join(traces, p)]);
      const d = spawnDaemon(p, 'ip', ['netns', 'exec', NS, ...argv]);
      running.push(d);
      return { unit, d };
    };
    const collector = start('dcprobe-collector');
    const health = await waitUntil('collector /healthz in the namespace', async () => {
      if (collector.d.hasExited()) throw new GiveUp(`collector exited:\n${collector.d.output()}`);
      const r = await inNs('curl', '-fsS', 'http://127.0.0.1:9470/healthz');
      return r.code === 0 && r.stdout;
    }, { timeoutMs: 60_000, intervalMs: 250 });
    expect(JSON.parse(health)).toMatchObject({ status: 'ok' });

    const agent = start('dcprobe-agent');
    const metrics = await waitUntil('agent /metrics with the link up', async () => {
      if (agent.d.hasExited()) throw new GiveUp(`agent exited:\n${agent.d.output()}`);
      const r = await inNs('curl', '-fsS', 'http://127.0.0.1:9471/metrics');
      return r.code === 0 && /^dcprobe_agent_link_connected 1$/m.test(r.stdout) && r.stdout;
    }, { timeoutMs: 60_000, intervalMs: 250 });
    expect(metrics).toMatch(/^dcprobe_build_info\{version="0\.1\.0",commit="[0-9a-f]{12}(-dirty)?",node="v20\.[\d.]+"\} 1$/m);
    const udp = (await inNs('ss', '-Hulnp', 'sport = :162')).stdout;
    expect(udp).toContain('127.0.0.1:162');

    // Who runs it, with what: the dcprobe user, CAP_NET_BIND_SERVICE for the agent only.
    for (const [p, want] of [['dcprobe-collector', '0000000000000000'], ['dcprobe-agent', '0000000000000400']] as const) {
      const pid = (await run('pgrep', ['-n', '-u', 'dcprobe', '-f', `^/usr/bin/node /usr/bin/${p} `])).stdout.trim();
      const status = readFileSync(`/proc/${pid}/status`, 'utf8');
      expect([p, /^CapEff:\s+(\w+)$/m.exec(status)![1], /^CapBnd:\s+(\w+)$/m.exec(status)![1], /^NoNewPrivs:\s+(\d)$/m.exec(status)![1]]).toEqual([p, want, want, '1']);
    }
    for (const d of running.splice(0)) await d.stop();
    dropNamespace();
    // Everything either printed, start to stop, is a JSON log line.
    for (const d of [collector.d, agent.d]) expect(jsonLines(d.output()).map((l) => l.name)).toContain(d.name);

    for (const p of ['dcprobe-collector', 'dcprobe-agent'] as const) {
      const unit = p === 'dcprobe-collector' ? collector.unit : agent.unit;
      const outside = await syscallsOutside(unit, syscallsIn(readFileSync(join(traces, p), 'utf8')));
      expect([p, outside.filter((s) => !(s in TOLERATED))]).toEqual([p, []]);
    }
  }, 240_000);

  it('an upgrade keeps the edited config, its owner and mode', async () => {
    const before = readFileSync('/etc/dcprobe/agent.yml', 'utf8');
    await run('dpkg', ['-i', upgradeDeb], { timeoutMs: 120_000 });
    expect(await installed('dcprobe-agent')).toBe('ii');
    expect((await run('dpkg-query', ['-W', '-f', '${Version}', 'dcprobe-agent'])).stdout).toBe('0.1.0+upgrade1');
    expect(readFileSync('/etc/dcprobe/agent.yml', 'utf8')).toBe(before);
    expect(statSync('/etc/dcprobe/agent.yml').mode & 0o777).toBe(0o640);
    expect((await run('/usr/bin/dcprobe-agent', ['--version'])).stdout).toMatch(/^dcprobe-agent 0\.1\.0\+upgrade1 /);
  }, 180_000);

  it('dpkg -r keeps the configs; dpkg --purge removes them and keeps the collected data', async () => {
    await run('dpkg', ['-r', ...PKGS], { timeoutMs: 120_000 });
    expect(existsSync('/usr/bin/dcprobe-collector') || existsSync('/usr/bin/dcprobe-agent')).toBe(false);
    expect(await installed('dcprobe-collector')).toBe('rc');
    expect(existsSync('/etc/dcprobe/collector.yml') && existsSync('/etc/dcprobe/agent.yml')).toBe(true);
    const purge = await run('dpkg', ['--purge', ...PKGS], { timeoutMs: 120_000 });
    expect(await installed('dcprobe-collector')).toBe('');
    expect(existsSync('/etc/dcprobe/collector.yml') || existsSync('/etc/dcprobe/agent.yml')).toBe(false);
    expect((await run('dpkg-statoverride', ['--list', '/etc/dcprobe/collector.yml'], { allowFail: true })).stdout).toBe('');
    expect(existsSync('/etc/dcprobe/agent.token')).toBe(true); // the operator's file, not the package's
    expect(existsSync('/var/lib/dcprobe/dcprobe.sqlite')).toBe(true);
    expect(purge.stdout).toContain('dcprobe-collector: /var/lib/dcprobe kept');
  }, 180_000);
});

function editConf(file: string, edit: (text: string) => string): void {
  const text = readFileSync(file, 'utf8');
  const next = edit(text);
  if (next === text) throw new Error(`${file}: the edit changed nothing`);
  writeFileSync(file, next);
}
