#!/usr/bin/env node
/**
 * `npm run package`: the Debian packages, built with dpkg-deb from the bundles.
 *
 *   node scripts/package.mjs [agent|collector …] [--out DIR] [--version V]
 *     → DIR/dcprobe-agent_V_all.deb, DIR/dcprobe-collector_V_<arch>.deb (DIR: dist/)
 *
 *   /usr/bin/dcprobe-<p>                  → /usr/lib/dcprobe-<p>/dcprobe-<p>.mjs (#!/usr/bin/node)
 *   /usr/lib/dcprobe-<p>/node_modules/    the native modules the bundle leaves external, built for this
 *                                         machine's node (Debian's nodejs: the Depends pins its major)
 *   /lib/systemd/system/dcprobe-<p>.service   deploy/systemd/
 *   /etc/dcprobe/<p>.yml                  conffile, root:dcprobe 0640 (postinst: dpkg-statoverride)
 *   /usr/share/doc/dcprobe-<p>/           copyright (every bundled npm package and its licence),
 *                                         changelog.gz, operations.md.gz
 *   /usr/share/man/man1/dcprobe-<p>.1.gz  from the program's own --help
 *
 * Maintainer scripts: deploy/debian/{postinst,prerm,postrm}, filled in per package.
 * Needs dpkg-deb, dpkg-shlibdeps and strip (dpkg-dev, binutils).
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, copyFileSync, existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { ROOT, buildId, buildProgram } from './build.mjs';

/** External modules a bundle cannot run without; other externals are optional requires (ws's, systeminformation's). */
const NATIVE = ['better-sqlite3', 'pg'];
/** Dependencies that only run at `npm install` (fetching a prebuilt binary): never shipped. */
const INSTALL_ONLY = new Set(['prebuild-install', 'node-gyp', 'node-gyp-build-optional-packages']);

const PACKAGES = {
  agent: {
    summary: 'dcprobe agent: switch ports, UPSes and power feeds over SNMP and NUT',
    description: [
      'Polls customer switch ports (SNMP IF-MIB v2c/v3), UPSes (UPS-MIB, NUT',
      'upsd) and PDU and mains feeds, receives SNMP traps, and streams every',
      'state change to the dcprobe collector over a WebSocket, keeping each',
      'event on disk until the collector acks it.',
    ],
    state: '/var/lib/dcprobe-agent',
    enable: 'no', // it needs its agentId, collector and token first
  },
  collector: {
    summary: 'dcprobe collector: SLA ledger, metrics and API for hosted customers',
    description: [
      "Receives the dcprobe agents' events, keeps the SLA ledger in SQLite,",
      'reconciles measured downtime with customer-reported outages, and serves',
      'Prometheus metrics, an HTTP API, report pages and a command line',
      '(backup, reconcile, check-config).',
    ],
    state: '/var/lib/dcprobe',
    enable: 'yes', // the shipped config runs as it is (loopback only, no agents yet)
  },
};

const sh = (cmd, args, opts = {}) => execFileSync(cmd, args, { encoding: 'utf8', ...opts });

function arch() {
  return sh('dpkg', ['--print-architecture']).trim();
}

/** The Node major the native modules are built for (the node running this script) and the engines floor. */
function nodeDepends(native) {
  const floor = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).engines.node.replace(/^>=\s*/, '');
  const major = Number(process.versions.node.split('.')[0]);
  return native ? [`nodejs (>= ${floor})`, `nodejs (<< ${major + 1})`] : [`nodejs (>= ${floor})`];
}

function walk(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(join(dir, e.name)) : [join(dir, e.name)]));
}

/** The files of an npm package that run: package.json, licences, JavaScript and built .node binaries (no sources, tests, docs). */
function runtimeFiles(dir) {
  const skip = /^(test|tests|deps|src|docs|doc|example|examples|benchmark|benchmarks|\.github|node_modules)\//;
  return walk(dir).map((f) => relative(dir, f)).filter((f) => {
    if (/^(package\.json|licen[cs]e[^/]*|copying[^/]*)$/i.test(f)) return true;
    if (f.startsWith('build/')) return /^build\/Release\/(?!test_)[^/]+\.node$/.test(f);
    return !skip.test(f) && /\.(c|m)?js$/.test(f);
  });
}

/** Where node finds package `name` from directory `from` (node_modules upwards; package.json need not be exported). */
function packageDir(name, from) {
  for (let d = resolve(from); ; d = dirname(d)) {
    const candidate = join(d, 'node_modules', name);
    if (existsSync(join(candidate, 'package.json'))) return candidate;
    if (dirname(d) === d) throw new Error(`cannot find npm package ${name} from ${from}`);
  }
}

/** Copies a package and its runtime dependencies into node_modules; returns every package copied. */
function shipPackage(name, into, from = ROOT, seen = new Map()) {
  if (seen.has(name) || INSTALL_ONLY.has(name)) return seen;
  const dir = packageDir(name, from);
  const pj = join(dir, 'package.json');
  const meta = JSON.parse(readFileSync(pj, 'utf8'));
  seen.set(name, { version: meta.version, license: meta.license ?? 'see its LICENSE file' });
  for (const f of runtimeFiles(dir)) {
    const to = join(into, name, f);
    mkdirSync(dirname(to), { recursive: true });
    copyFileSync(join(dir, f), to);
    if (f.endsWith('.node')) { sh('strip', ['--strip-unneeded', to]); chmodSync(to, 0o644); } // a shared object, loaded, not run
  }
  for (const dep of Object.keys(meta.dependencies ?? {})) shipPackage(dep, into, dir, seen);
  return seen;
}

/** Shared-library dependencies of the shipped binaries, as dpkg-shlibdeps computes them. */
function shlibsDepends(binaries) {
  if (binaries.length === 0) return [];
  const tmp = join(ROOT, 'dist', '.shlibdeps');
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(join(tmp, 'debian'), { recursive: true });
  writeFileSync(join(tmp, 'debian/control'), 'Source: dcprobe\n\nPackage: dcprobe\nArchitecture: any\n');
  // V8's and node's symbols come from the node binary itself, which is in no library: warnings, not errors.
  const out = sh('dpkg-shlibdeps', ['-O', ...binaries], { cwd: tmp, stdio: ['ignore', 'pipe', 'ignore'] });
  rmSync(tmp, { recursive: true, force: true });
  const line = out.split('\n').find((l) => l.startsWith('shlibs:Depends='));
  return line ? line.slice('shlibs:Depends='.length).split(', ') : [];
}

const gz = (text) => gzipSync(Buffer.from(text), { level: 9 });

/** A native package's changelog: one entry for this build. */
function changelog(pkg, version, commit) {
  const date = new Date().toUTCString().replace(/GMT$/, '+0000').replace(/^(\w+), (\d) /, '$1, 0$2 ');
  return `${pkg} (${version}) unstable; urgency=medium\n\n  * Built from commit ${commit}.\n\n -- ${maintainer()}  ${date}\n`;
}

function maintainer() {
  return process.env.DEBFULLNAME && process.env.DEBEMAIL ? `${process.env.DEBFULLNAME} <${process.env.DEBEMAIL}>` : 'dcprobe packagers <dcprobe@example.org>';
}

/** DEP-5 copyright: dcprobe itself, then each npm package inside the bundle or beside it. */
function copyright(pkg, bundled, shipped) {
  const rows = [
    'Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/', `Upstream-Name: ${pkg}`, '',
    'Files: *', `Copyright: ${new Date().getUTCFullYear()} the dcprobe authors`, 'License: dcprobe',
    ' The dcprobe sources carry no licence statement; ask their authors before',
    ' redistributing this package.', '',
  ];
  const all = new Map([...bundled.map((n) => [n, readMeta(n)]), ...shipped]);
  for (const [name, m] of [...all].sort(([a], [b]) => a.localeCompare(b))) {
    rows.push(`Files: usr/lib/${pkg}/*`, `Comment: npm package ${name} ${m.version}, ${shipped.has(name) ? `in usr/lib/${pkg}/node_modules/${name}` : 'bundled into the program'}`,
      'Copyright: its authors (see the npm package)', `License: ${m.license.replace(/[()]/g, '').replace(/ OR /g, ' or ')}`, '');
  }
  return rows.join('\n');
}

function readMeta(name) {
  const pj = JSON.parse(readFileSync(join(packageDir(name, ROOT), 'package.json'), 'utf8'));
  return { version: pj.version, license: pj.license ?? 'see its LICENSE file' };
}

/** A man page from the program's --help (the command table is the one source). */
function manPage(pkg, main, summary, version) {
  const help = sh(process.execPath, [main, '--help']);
  const commands = help.split('\n').filter((l) => /^ {2}[a-z-]/.test(l)).map((l) => l.trim().split(/\s{2,}/)[0].split(' ')[0]);
  const esc = (s) => s.replace(/\\/g, '\\e').replace(/^([.'])/gm, '\\&$1');
  const sections = commands.map((c) => `.SS ${c}\n.nf\n${esc(sh(process.execPath, [main, c, '--help']).trimEnd())}\n.fi`);
  return [`.TH ${pkg.toUpperCase()} 1 "" "${pkg} ${version}" "dcprobe"`, '.SH NAME', `${pkg} \\- ${summary.replace(/^dcprobe \w+: /, '')}`,
    '.SH SYNOPSIS', `.B ${pkg}`, '.I command', '[flags]', '.SH COMMANDS', ...sections,
    '.SH FILES', `/etc/dcprobe/${pkg.replace('dcprobe-', '')}.yml`, '.SH SEE ALSO', `/usr/share/doc/${pkg}/operations.md.gz`, ''].join('\n');
}

function fill(template, vars) {
  return template.replace(/@([A-Z]+)@/g, (_, k) => { if (!(k in vars)) throw new Error(`no value for @${k}@`); return vars[k]; });
}

export async function packageProgram(name, { out = join(ROOT, 'dist'), version } = {}) {
  const spec = PACKAGES[name];
  const pkg = `dcprobe-${name}`;
  const id = buildId(name);
  const ver = version ?? id.version;
  const stage = join(out, '.stage', pkg);
  rmSync(stage, { recursive: true, force: true });
  const lib = join(stage, 'usr/lib', pkg);
  const built = await buildProgram(name, { outdir: lib, shebang: '/usr/bin/node', sourcemap: false, id: { version: ver, commit: id.commit } });
  chmodSync(built.main, 0o755);

  const shipped = new Map();
  for (const ext of built.externals.filter((e) => NATIVE.includes(e))) shipPackage(ext, join(lib, 'node_modules'), ROOT, shipped);
  const binaries = existsSync(join(lib, 'node_modules')) ? walk(join(lib, 'node_modules')).filter((f) => f.endsWith('.node')) : [];
  // The native modules must load in this node, the one the Depends pins.
  for (const ext of shipped.keys()) {
    if (NATIVE.includes(ext)) sh(process.execPath, ['-e', `require(${JSON.stringify(join(lib, 'node_modules', ext))})`]);
  }

  mkdirSync(join(stage, 'usr/bin'), { recursive: true });
  symlinkSync(`../lib/${pkg}/${pkg}.mjs`, join(stage, 'usr/bin', pkg));
  mkdirSync(join(stage, 'lib/systemd/system'), { recursive: true });
  copyFileSync(join(ROOT, 'deploy/systemd', `${pkg}.service`), join(stage, 'lib/systemd/system', `${pkg}.service`));
  const conf = `/etc/dcprobe/${name}.yml`;
  mkdirSync(join(stage, 'etc/dcprobe'), { recursive: true });
  copyFileSync(join(ROOT, 'deploy/debian', `${name}.yml`), join(stage, conf));
  // Shipped 0644 (it holds no secret yet); postinst's stat override makes it root:dcprobe 0640 from then on.
  chmodSync(join(stage, conf), 0o644);

  const doc = join(stage, 'usr/share/doc', pkg);
  mkdirSync(doc, { recursive: true });
  writeFileSync(join(doc, 'copyright'), copyright(pkg, built.bundled, shipped));
  writeFileSync(join(doc, 'changelog.gz'), gz(changelog(pkg, ver, id.commit)));
  writeFileSync(join(doc, 'operations.md.gz'), gz(readFileSync(join(ROOT, 'docs/operations.md'), 'utf8')));
  const man = join(stage, 'usr/share/man/man1');
  mkdirSync(man, { recursive: true });
  writeFileSync(join(man, `${pkg}.1.gz`), gz(manPage(pkg, built.main, spec.summary, ver)));

  const debian = join(stage, 'DEBIAN');
  mkdirSync(debian);
  const vars = { PKG: pkg, CONF: conf, STATE: spec.state, ENABLE: spec.enable };
  for (const script of ['postinst', 'prerm', 'postrm']) {
    writeFileSync(join(debian, script), fill(readFileSync(join(ROOT, 'deploy/debian', script), 'utf8'), vars), { mode: 0o755 });
  }
  writeFileSync(join(debian, 'conffiles'), `${conf}\n`);
  const files = walk(stage).filter((f) => !f.startsWith(debian) && !lstatSync(f).isSymbolicLink());
  writeFileSync(join(debian, 'md5sums'), files.filter((f) => !f.includes('/etc/')).map((f) => `${createHash('md5').update(readFileSync(f)).digest('hex')}  ${relative(stage, f)}`).join('\n') + '\n');
  const kb = Math.ceil(files.reduce((n, f) => n + statSync(f).size, 0) / 1024);
  const architecture = binaries.length ? arch() : 'all';
  const depends = [...nodeDepends(binaries.length > 0), 'adduser', ...shlibsDepends(binaries)];
  writeFileSync(join(debian, 'control'), [
    `Package: ${pkg}`, `Version: ${ver}`, `Architecture: ${architecture}`, `Maintainer: ${maintainer()}`,
    `Installed-Size: ${kb}`, `Depends: ${depends.join(', ')}`, 'Section: net', 'Priority: optional',
    `Description: ${spec.summary}`, ...spec.description.map((l) => ` ${l}`), '',
  ].join('\n'));

  const deb = join(out, `${pkg}_${ver}_${architecture}.deb`);
  sh('dpkg-deb', ['--root-owner-group', '-Zxz', '--build', stage, deb], { stdio: ['ignore', 'ignore', 'inherit'] });
  rmSync(stage, { recursive: true, force: true });
  return deb;
}

async function cli(argv) {
  const flag = (n) => { const i = argv.indexOf(n); return i >= 0 ? argv[i + 1] : undefined; };
  const values = new Set([flag('--out'), flag('--version')]);
  const names = argv.filter((a) => !a.startsWith('--') && !values.has(a));
  const out = resolve(flag('--out') ?? join(ROOT, 'dist'));
  mkdirSync(out, { recursive: true });
  for (const name of names.length ? names : Object.keys(PACKAGES)) {
    if (!PACKAGES[name]) throw new Error(`unknown package ${name}; one of ${Object.keys(PACKAGES).join(', ')}`);
    console.log(`built ${relative(process.cwd(), await packageProgram(name, { out, version: flag('--version') }))}`);
  }
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) await cli(process.argv.slice(2));
