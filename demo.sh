#!/usr/bin/env bash
# SplitGuard demo: a two-node cluster with a witness, heartbeating over a UDP link and an ICMP link
# relayed through the witness (which runs no SplitGuard), then a UDP cut, a witness cut, and healing.
# As root it builds three network namespaces (lab/net.sh) and always removes them; without root it
# runs two daemons on loopback with UDP links only.
set -euo pipefail
cd "$(dirname "$0")"
root=$PWD
dotnet build src/SplitGuard/SplitGuard.csproj -c Release -nologo -clp:ErrorsOnly >/dev/null
sg_dll="$root/src/SplitGuard/bin/Release/net10.0/splitguard.dll"
work=$(mktemp -d /tmp/splitguard-demo.XXXXXX)
pids=()
prefix=""

cleanup() {
  for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
  sleep 0.3
  for p in "${pids[@]}"; do kill -KILL "$p" 2>/dev/null || true; done
  [[ -n $prefix ]] && lab/net.sh down "$prefix" >/dev/null 2>&1 || true
  if [[ -n ${DEMO_KEEP:-} ]]; then echo "kept $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
sg() { dotnet "$sg_dll" "$@"; }

dotnet "$sg_dll" keygen "$work/authkey" >/dev/null

if [[ $(id -u) -eq 0 ]]; then
  lab/setup.sh
  prefix="sgd$(printf '%04x' $((RANDOM)))"
  lab/net.sh up "$prefix" 2 >"$work/topology"
  while IFS='=' read -r key value; do printf -v "$key" '%s' "$value"; done <"$work/topology"
  witness=$IP_w
  cat >"$work/cluster.json" <<JSON
{
  "Cluster": [ { "ID": 1,
    "Members": [ { "ID": 1, "Hostname": "n1" }, { "ID": 2, "Hostname": "n2" } ],
    "links": [
      { "ID": 1, "type": "udp",  "interval": 0.05, "maxloss": 5,
        "Nodes": [ { "NodeID": 1, "IP": "$IP_n1" }, { "NodeID": 2, "IP": "$IP_n2" } ] },
      { "ID": 2, "type": "icmp", "interval": 0.05, "maxloss": 5, "ICMPIP": "$witness",
        "Nodes": [ { "NodeID": 1, "IP": "$IP_n1" }, { "NodeID": 2, "IP": "$IP_n2" } ] } ] } ],
  "System": { "udp_port": 5405 },
  "Logging": { "level": "INFO", "logfile": "$work/{node}.log" },
  "api": { "socket": "$work/{node}-api.sock" },
  "Auth": { "key_file": "$work/authkey" },
  "Daemon": { "pid_file": "$work/{node}.pid", "control_socket": "$work/{node}-control.sock" }
}
JSON
  run_in() { local node=$1; shift; ip netns exec "$prefix-$node" "$@"; }
  step "namespaces $prefix-n1 ($IP_n1), $prefix-n2 ($IP_n2), witness $prefix-w ($witness): only its kernel answers ICMP"
else
  echo "(not root: running on loopback with UDP links only; run as root for namespaces and the ICMP relay)"
  cat >"$work/cluster.json" <<JSON
{
  "Cluster": [ { "ID": 1,
    "Members": [ { "ID": 1, "Hostname": "n1" }, { "ID": 2, "Hostname": "n2" } ],
    "links": [
      { "ID": 1, "type": "udp", "interval": 0.05, "maxloss": 5,
        "Nodes": [ { "NodeID": 1, "IP": "127.0.0.1" }, { "NodeID": 2, "IP": "127.0.0.2" } ] },
      { "ID": 2, "type": "udp", "interval": 0.05, "maxloss": 5,
        "Nodes": [ { "NodeID": 1, "IP": "127.0.0.3" }, { "NodeID": 2, "IP": "127.0.0.4" } ] } ] } ],
  "System": { "udp_port": $((20000 + RANDOM % 20000)) },
  "Logging": { "level": "INFO", "logfile": "$work/{node}.log" },
  "api": { "socket": "$work/{node}-api.sock" },
  "Auth": { "key_file": "$work/authkey" },
  "Daemon": { "pid_file": "$work/{node}.pid", "control_socket": "$work/{node}-control.sock" }
}
JSON
  run_in() { shift; "$@"; }
fi

step "splitguard config check"
sg config check "$work/cluster.json"

step "starting both daemons"
for n in n1 n2; do
  run_in "$n" dotnet "$sg_dll" daemon --config "$work/cluster.json" --node "$n" --foreground >"$work/$n.out" 2>&1 &
  pids+=($!)
done
for n in n1 n2; do
  for _ in $(seq 100); do sg status --config "$work/cluster.json" --node "$n" >/dev/null 2>&1 && break; sleep 0.1; done
done
sleep 1
step "status on n1: every link in service"
run_in n1 dotnet "$sg_dll" status --config "$work/cluster.json" --node n1

if [[ -n $prefix ]]; then
  step "cutting UDP on n1 (nftables): the udp link goes out of service, the icmp link via the witness stays"
  lab/net.sh fault "$prefix" udp-drop n1 >/dev/null
  sleep 1
  run_in n1 dotnet "$sg_dll" status --config "$work/cluster.json" --node n1
  step "cutting n1 off the witness too: n1 sees it is the isolated one (icmp_hop out), n2 still reaches the witness"
  lab/net.sh fault "$prefix" isolate-from-witness n1 >/dev/null
  sleep 1.5
  run_in n1 dotnet "$sg_dll" status --config "$work/cluster.json" --node n1
  run_in n2 dotnet "$sg_dll" status --config "$work/cluster.json" --node n2
  step "healing"
  lab/net.sh heal "$prefix" >/dev/null
else
  step "stopping n2: n1 sees both links and the udp path go out of service"
  kill -TERM "${pids[1]}"
  sleep 1
  sg status --config "$work/cluster.json" --node n1
  step "starting n2 again"
  dotnet "$sg_dll" daemon --config "$work/cluster.json" --node n2 --foreground >>"$work/n2.out" 2>&1 &
  pids+=($!)
fi
sleep 1.5
run_in n1 dotnet "$sg_dll" status --config "$work/cluster.json" --node n1
step "what n1 logged"
grep -E "OUT OF SERVICE|in service|icmp_hop|ONE-WAY" "$work/n1.log" | sed 's/ {.*}$//' | tail -20
