#!/usr/bin/env bash
# Runs `npm start` for real, checks that states flow from the simulators through
# agent and collector to /metrics, the API and the report page, then stops it by PID.
set -euo pipefail
cd "$(dirname "$0")/.."
rm -rf data/dev
log=$(mktemp)
# Its own process group, so the cleanup reaches npm, start.mjs and both children by one PGID.
setsid npm start >"$log" 2>&1 &
pid=$!
cleanup() {
  kill -TERM -- "-$pid" 2>/dev/null || true
  for _ in $(seq 1 50); do kill -0 -- "-$pid" 2>/dev/null || break; sleep 0.1; done
  kill -KILL -- "-$pid" 2>/dev/null || true
}
trap cleanup EXIT
ok=0
for _ in $(seq 1 60); do
  if curl -fsS http://127.0.0.1:9470/metrics 2>/dev/null | grep -q '^dcprobe_port_up{device="sw1"' \
     && curl -fsS http://127.0.0.1:9470/metrics 2>/dev/null | grep -q '^dcprobe_power_state{device="ups1"'; then ok=1; break; fi
  sleep 1
done
cat "$log"
[ "$ok" = 1 ] || { echo "smoke: no port/power states on /metrics after 60 s"; tail -20 data/dev/*.log; exit 1; }
read_token=$(node -e "console.log(require('./data/dev/secrets.json').readToken)")
month=$(node -e "console.log(new Date(Date.now()+8*3600e3).toISOString().slice(0,7))")
curl -fsS -o /dev/null -w 'report page: HTTP %{http_code}\n' "http://127.0.0.1:9470/customers/cust-01/sla/$month?token=$read_token"
curl -fsS -H "Authorization: Bearer $read_token" "http://127.0.0.1:9470/api/v1/customers/cust-01/sla?month=$month" | head -c 300; echo
curl -fsS http://127.0.0.1:9471/metrics | grep -c '^dcprobe_agent' | sed 's/^/agent metric lines: /'
# The programs log JSON lines only: one plain line among them breaks every log shipper's parser.
node -e '
const fs = require("fs");
for (const f of ["data/dev/collector.log", "data/dev/agent.log"]) {
  const bad = fs.readFileSync(f, "utf8").split("\n").filter((l) => l.trim() && (() => { try { JSON.parse(l); return false; } catch { return true; } })());
  if (bad.length) { console.error(`${f}: ${bad.length} lines are not JSON, e.g. ${bad[0]}`); process.exit(1); }
}
console.log("logs: JSON lines only");'
echo "smoke: ok"
