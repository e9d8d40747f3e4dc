#!/usr/bin/env bash
# Installs the real peers the e2e suite and the benchmark talk to (Debian packages only).
#
#   sudo scripts/install-peers.sh          # or as root in CI (.ci/run calls it)
#
# Idempotent: packages already present are left as they are (apt-get install is a no-op),
# and the final summary prints what is on the machine whether this run installed it or not.
#
# The tests start every peer themselves (own config, own ports, inside their own network
# namespace or on 127.0.0.1), so the Debian services that these packages would start must
# NOT run: snmpd would take udp/161 on every address, prometheus tcp/9090, upsd tcp/3493,
# and a service failing to start in a container would fail the whole apt transaction.
# A policy-rc.d that answers 101 ("action forbidden") stops invoke-rc.d from starting them
# during the install; afterwards any unit that is running anyway is stopped and disabled.
set -euo pipefail

if [ "$(id -u)" -ne 0 ]; then
  echo "install-peers: must run as root" >&2
  exit 1
fi

# package -> why the project needs it
PACKAGES=(
  snmpd                     # Net-SNMP agent: the switch in a namespace (e2e, bench)
  snmp                      # snmpget/snmpbulkwalk/snmptrap/snmpset: fixture checks, reference poller
  nut-server                # upsd + dummy-ups: the UPS peer
  nut-client                # upsc: fixture checks
  prometheus                # prometheus + promtool: scrape test, rule tests, metric lint
  prometheus-snmp-exporter  # reference poller for the benchmark
  iproute2                  # ip netns / veth
  curl                      # smoke test of npm start (scripts/smoke-start.sh)
  chromium                  # headless report page: screenshot, print-to-PDF of statements
  snmpsim                   # snmpsimd replaying recordings of real devices (quirky agents)
  postgresql-15             # private PostgreSQL clusters for the shared-store tests
  python3-aiosmtpd          # a real local SMTP server for notice and statement e-mail
  poppler-utils             # pdftotext: statements read back in tests
  fonts-wqy-microhei        # a CJK font: statements print Chinese names and report texts, not empty boxes
  sqlite3                   # the sqlite3 shell: tamper tests edit a store as an operator could
  lintian                   # checks the Debian packages
  systemd                   # systemd-analyze security: scores the shipped units offline
  dpkg-dev                  # dpkg-shlibdeps (and binutils' strip) for npm run package
  adduser                   # the packages' postinst creates the dcprobe user with it
  init-system-helpers       # deb-systemd-helper in the packages' maintainer scripts
  strace                    # the packaging test checks a unit's system calls against its SystemCallFilter
  faketime                  # libfaketime: a collector restarted with its system time moved (fault suite)
)
DAEMONS=(snmpd snmptrapd prometheus prometheus-snmp-exporter prometheus-node-exporter nut-server nut-monitor nut-driver postgresql)

start=$(date +%s)
export DEBIAN_FRONTEND=noninteractive

# A mirror hiccup should not fail a CI run: retry apt's network steps a few times.
retry() {
  local n
  for n in 1 2 3; do
    "$@" && return 0
    echo "install-peers: '$*' failed (try $n of 3)" >&2
    sleep $((n * 5))
  done
  return 1
}

retry apt-get update -qq

# Check every name before installing anything: one missing name would fail the whole
# transaction with a less obvious message.
missing=()
for p in "${PACKAGES[@]}"; do
  cand=$(apt-cache policy "$p" 2>/dev/null | awk '/Candidate:/ {print $2}')
  if [ -z "$cand" ] || [ "$cand" = "(none)" ]; then missing+=("$p"); fi
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "install-peers: no installable candidate for: ${missing[*]}" >&2
  exit 1
fi

POLICY=/usr/sbin/policy-rc.d
had_policy=0
if [ -e "$POLICY" ]; then had_policy=1; cp -p "$POLICY" "$POLICY.dcprobe-saved"; fi
restore_policy() {
  if [ "$had_policy" = 1 ]; then mv -f "$POLICY.dcprobe-saved" "$POLICY"; else rm -f "$POLICY"; fi
}
trap restore_policy EXIT
printf '#!/bin/sh\nexit 101\n' > "$POLICY"
chmod 755 "$POLICY"

retry apt-get install -y -qq --no-install-recommends "${PACKAGES[@]}"

restore_policy
trap - EXIT

# If something started anyway (a machine where systemd is PID 1 and a unit is socket- or
# path-activated), stop it and keep it from coming back at boot; on a machine without
# systemd these commands are absent or fail harmlessly.
if [ -d /run/systemd/system ] && command -v systemctl >/dev/null; then
  for d in "${DAEMONS[@]}"; do
    systemctl disable --now "$d" >/dev/null 2>&1 || true
  done
fi
for d in "${DAEMONS[@]}"; do
  # Without systemd, init.d scripts are the only way these could have started.
  if [ -x "/etc/init.d/$d" ]; then "/etc/init.d/$d" stop >/dev/null 2>&1 || true; fi
done

echo "install-peers: installed (package version):"
for p in "${PACKAGES[@]}"; do
  printf '  %-26s %s\n' "$p" "$(dpkg-query -W -f='${Version}' "$p" 2>/dev/null || echo MISSING)"
done
echo "install-peers: binaries:"
for b in snmpd snmpget snmpbulkwalk snmptrap snmpset upsc prometheus promtool prometheus-snmp-exporter ip chromium snmpsimd pdftotext sqlite3 lintian systemd-analyze dpkg-shlibdeps strip adduser deb-systemd-helper strace setpriv /usr/lib/postgresql/15/bin/initdb /usr/lib/postgresql/15/bin/pg_ctl; do
  printf '  %-26s %s\n' "$b" "$(command -v "$b" || echo MISSING)"
done
for b in /lib/nut/upsd /lib/nut/dummy-ups; do
  printf '  %-26s %s\n' "$(basename $b)" "$([ -x $b ] && echo $b || echo MISSING)"
done
lib=$(ls /usr/lib/*/faketime/libfaketimeMT.so.1 2>/dev/null | head -1 || true)
printf '  %-26s %s\n' libfaketimeMT.so.1 "${lib:-MISSING}"
echo "install-peers: done in $(( $(date +%s) - start )) s"
