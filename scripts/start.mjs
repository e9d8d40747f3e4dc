#!/usr/bin/env node
/**
 * `npm start`: the whole system on this machine, against built-in simulators.
 *
 *   simulated switch (net-snmp agent, 48 customer ports + 2 uplinks, some flapping, traps)
 *   simulated UPS    (UPS-MIB: loses mains, runs on battery, recovers, once drops its output)
 *        │ SNMP (127.0.0.1)
 *   dcprobe-agent    (separate process: polls, receives traps, outbox in ./data/dev/agent)
 *        │ WebSocket
 *   dcprobe-collector (separate process: SQLite ./data/dev/dcprobe.sqlite, :9470)
 *
 * First run writes ./data/dev/{collector,agent}.yml with fresh random tokens;
 * later runs reuse them (delete ./data to start over). Logs go to ./data/dev/*.log.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { register } from 'tsx/esm/api';

register();
const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const dev = join(root, 'data', 'dev');
mkdirSync(dev, { recursive: true });

const PORTS = { collector: 9470, agentMetrics: 9471, traps: 16162, switch: 16161, ups: 16163 };
const HOST = '127.0.0.1';

function secrets() {
  const file = join(dev, 'secrets.json');
  if (existsSync(file)) return JSON.parse(readFileSync(file, 'utf8'));
  const s = { agentToken: randomBytes(24).toString('base64url'), nocToken: randomBytes(24).toString('base64url'), readToken: randomBytes(24).toString('base64url') };
  writeFileSync(file, JSON.stringify(s, null, 2), { mode: 0o600 });
  return s;
}

function writeConfigs(s) {
  const customers = Array.from({ length: 48 }, (_, i) => {
    const id = `cust-${String(i + 1).padStart(2, '0')}`;
    const c = [`  - id: ${id}`, `    network: { ports: [sw1/ge-0/0/${i + 1}], uplinks: [sw1/xe-0/1/0, sw1/xe-0/1/1] }`];
    if (i < 4) c.push('    power: { feeds: [ups1/output] }');
    return c.join('\n');
  }).join('\n');
  const collectorYml = join(dev, 'collector.yml');
  if (!existsSync(collectorYml)) {
    writeFileSync(collectorYml, `# written by npm start (scripts/start.mjs)
listen: ${HOST}:${PORTS.collector}
database: ${join(dev, 'dcprobe.sqlite')}
heartbeatTimeoutSeconds: 30
agents:
  - id: rack-dev
    token: ${s.agentToken}
apiTokens:
  - name: noc
    role: write
    token: ${s.nocToken}
  - name: report-links
    role: read
    token: ${s.readToken}
customers:
${customers}
`, { mode: 0o600 });
  }
  const agentYml = join(dev, 'agent.yml');
  if (!existsSync(agentYml)) {
    writeFileSync(agentYml, `# written by npm start (scripts/start.mjs)
agentId: rack-dev
collectors: [ws://${HOST}:${PORTS.collector}/agent]
token: ${s.agentToken}
dataDir: ${join(dev, 'agent')}
heartbeatSeconds: 5
metrics: { listen: ${HOST}:${PORTS.agentMetrics} }
traps: { listen: ${HOST}:${PORTS.traps}, communities: [public] }
targets:
  - { kind: snmp-switch, name: sw1, host: ${HOST}, port: ${PORTS.switch}, version: 2c, community: public, intervalSeconds: 10, ports: all }
  - { kind: snmp-ups, name: ups1, host: ${HOST}, port: ${PORTS.ups}, version: 2c, community: public, intervalSeconds: 5 }
`, { mode: 0o600 });
  }
  return { collectorYml, agentYml };
}

function launch(name, bin, args) {
  const log = openSync(join(dev, `${name}.log`), 'a');
  const child = spawn(process.execPath, [join(root, bin), ...args], { stdio: ['ignore', log, log], cwd: root });
  child.on('exit', (code, signal) => {
    if (!stopping) {
      console.error(`${name} exited (${signal ?? code}); see ${join(dev, `${name}.log`)}`);
      void stop(1);
    }
  });
  return child;
}

async function waitFor(url, ms = 20_000) {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    try { if ((await fetch(url)).ok) return true; } catch { /* not yet */ }
    await new Promise((r) => setTimeout(r, 200));
  }
  return false;
}

let stopping = false;
const children = [];
const sims = [];
async function stop(code = 0) {
  if (stopping) return;
  stopping = true;
  for (const c of children) c.kill('SIGTERM');
  await Promise.all(children.map((c) => (c.exitCode === null ? new Promise((r) => c.once('exit', r)) : null)));
  for (const s of sims) await s.close();
  process.exit(code);
}
process.on('SIGINT', () => void stop(0));
process.on('SIGTERM', () => void stop(0));

const s = secrets();
const { collectorYml, agentYml } = writeConfigs(s);
const { startSimSwitch } = await import('../agent/src/sim/switch.ts');
const { startSimUps } = await import('../agent/src/sim/ups.ts');
try {
  sims.push(await startSimSwitch({ port: PORTS.switch, address: HOST, ports: 48, flapEveryMs: 20_000, trapTo: { host: HOST, port: PORTS.traps, community: 'public' } }));
  sims.push(await startSimUps({ port: PORTS.ups, address: HOST, script: { stepMs: 30_000 }, trapTo: { host: HOST, port: PORTS.traps, community: 'public' } }));
} catch (e) {
  console.error(`cannot start the simulators on ${HOST}:${PORTS.switch}/${PORTS.ups} (udp): ${e.message}`);
  process.exit(1);
}

children.push(launch('collector', 'collector/bin/dcprobe-collector.mjs', ['run', '--config', collectorYml]));
if (!(await waitFor(`http://${HOST}:${PORTS.collector}/healthz`))) {
  console.error(`the collector did not come up on ${HOST}:${PORTS.collector}; see ${join(dev, 'collector.log')}`);
  await stop(1);
}
children.push(launch('agent', 'agent/bin/dcprobe-agent.mjs', ['run', '--config', agentYml]));

const month = new Date(Date.now() + 8 * 3600_000).toISOString().slice(0, 7); // Asia/Shanghai, the default zone
const base = `http://${HOST}:${PORTS.collector}`;
console.log(`
dcprobe is running (Ctrl-C stops it). Where to look:

  collector metrics   ${base}/metrics          (dcprobe_port_up, dcprobe_power_state, dcprobe_sla_*)
  collector health    ${base}/healthz
  report page         ${base}/customers/cust-01/sla/${month}?token=${s.readToken}
  SLA via the API     curl -H 'Authorization: Bearer ${s.nocToken}' '${base}/api/v1/customers/cust-01/sla?month=${month}'
  agent metrics       http://${HOST}:${PORTS.agentMetrics}/metrics
  probe the switch    npx dcprobe-agent probe snmp-switch ${HOST}:${PORTS.switch} --community public
  probe the UPS       npx dcprobe-agent probe snmp-ups ${HOST}:${PORTS.ups} --community public --json
  logs                ${join(dev, 'collector.log')}, ${join(dev, 'agent.log')}
  configs             ${collectorYml}, ${agentYml}  (tokens: ${join(dev, 'secrets.json')})
`);
