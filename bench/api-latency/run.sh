#!/usr/bin/env bash
# Latency from a link state change inside the daemon to an sbp client's callback, p50/p99, with 1, 100 and 1,000
# subscribed clients (issue 3's benchmark).
#   sudo bench/api-latency/run.sh [CLIENTS] [CYCLES]      (defaults: 1,100,1000 and 50 cut/heal cycles per case)
# Builds the namespace lab (two nodes and a witness, lab/net.sh), starts two daemons with a udp link and an icmp link
# (interval 0.05, maxloss 5) and the JSON event stream enabled, then runs bench/api-latency (the clients, the flapping
# and the table) on the host. The unix sockets are on the shared filesystem, so the clients need no namespace.
# SKIP_BUILD=1 uses the Release builds already there.
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$PWD
clients=${1:-1,100,1000}
cycles=${2:-50}
[[ $(id -u) -eq 0 ]] || { echo "bench/api-latency/run.sh: needs root (namespaces, nftables, raw sockets)" >&2; exit 2; }
lab/setup.sh
if [[ -z ${SKIP_BUILD:-} ]]; then
  dotnet build src/SplitGuard/SplitGuard.csproj -c Release -nologo -clp:ErrorsOnly >/dev/null
  dotnet build bench/api-latency/SplitGuard.ApiLatency.csproj -c Release -nologo -clp:ErrorsOnly >/dev/null
fi
dll=$root/src/SplitGuard/bin/Release/net10.0/splitguard.dll
bench=$root/bench/api-latency/bin/Release/net10.0/api-latency.dll
work=$(mktemp -d /tmp/splitguard-api-latency.XXXXXX)
prefix="sga$(printf '%04x' $((RANDOM)))"
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
  sleep 0.5
  for p in "${pids[@]}"; do kill -KILL "$p" 2>/dev/null || true; done
  lab/net.sh down "$prefix" >/dev/null 2>&1 || true
  if [[ -n ${KEEP:-} ]]; then echo "kept $work" >&2; else rm -rf "$work"; fi
}
trap cleanup EXIT
lab/net.sh up "$prefix" 2 >"$work/topology"
while IFS='=' read -r key value; do printf -v "$key" '%s' "$value"; done <"$work/topology"
dotnet "$dll" keygen "$work/authkey" >/dev/null
cat >"$work/cluster.json" <<JSON
{
  "Cluster": [ { "ID": 1,
    "Members": [ { "ID": 1, "Hostname": "n1" }, { "ID": 2, "Hostname": "n2" } ],
    "links": [
      { "ID": 1, "type": "udp",  "interval": 0.05, "maxloss": 5,
        "Nodes": [ { "NodeID": 1, "IP": "$IP_n1" }, { "NodeID": 2, "IP": "$IP_n2" } ] },
      { "ID": 2, "type": "icmp", "interval": 0.05, "maxloss": 5, "ICMPIP": "$IP_w",
        "Nodes": [ { "NodeID": 1, "IP": "$IP_n1" }, { "NodeID": 2, "IP": "$IP_n2" } ] } ] } ],
  "System": { "udp_port": 5405 },
  "Logging": { "level": "INFO", "logfile": "$work/{node}.log" },
  "api": { "socket": "$work/{node}-api.sock", "events_socket": "$work/{node}-events.sock" },
  "Auth": { "key_file": "$work/authkey" },
  "Daemon": { "pid_file": "$work/{node}.pid", "control_socket": "$work/{node}-control.sock", "state_dir": "$work/{node}-state" }
}
JSON
for n in n1 n2; do
  ns_var="NS_$n"
  ip netns exec "${!ns_var}" dotnet "$dll" daemon --config "$work/cluster.json" --node "$n" --foreground >"$work/$n.out" 2>&1 &
  pids+=($!)
done

# wait until n1 has every link in service
for _ in $(seq 1 150); do
  if dotnet "$dll" status --json --config "$work/cluster.json" --node n1 2>/dev/null \
    | python3 -c 'import json,sys; d=json.load(sys.stdin); p=d["clusters"][0]["peers"][0]; sys.exit(0 if all(l["state"]=="in_service" for l in p["links"]) and all(x["state"]=="in_service" for x in p["paths"]) else 1)' 2>/dev/null; then
    break
  fi
  sleep 0.2
done

echo "$(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores, $(uname -r), .NET $(dotnet --version); clients $clients, $cycles cycles each" >&2
status=0
dotnet "$bench" --api "$work/n1-api.sock" --events "$work/n1-events.sock" --net "$root/lab/net.sh" --prefix "$prefix" \
  --clients "$clients" --cycles "$cycles" || status=$?
grep -h -E '"Id":13(1[2-9]|2[0-9]|3[0-9]|4[01])' "$work/n1.log" | cut -c1-200 | tail -5 >&2 || true
exit $status
