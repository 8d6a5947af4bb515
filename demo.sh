#!/usr/bin/env bash
# SplitGuard demo: a two-node cluster with a witness runs a service (a virtual IP and a UDP echo) on one node;
# the owner is crashed (kill -9 of everything on it) and the service moves to the survivor; a client measures the gap.
# DEMO_FAULT=daemon kills only the owner's daemon (its guard process stops the service) instead.
# As root it builds three network namespaces (lab/net.sh) and always removes them; without root it
# runs two daemons on loopback with UDP links only.
# SPLITGUARD_BINARY=out/native/splitguard runs the Native AOT executable (packaging/native.sh) instead of the dotnet
# build, for the daemons and every command.
set -euo pipefail
cd "$(dirname "$0")"
root=$PWD
if [[ -n ${SPLITGUARD_BINARY:-} ]]; then
  sg_cmd=("$(realpath "$SPLITGUARD_BINARY")")
else
  dotnet build src/SplitGuard/SplitGuard.csproj -c Release -nologo -clp:ErrorsOnly >/dev/null
  sg_cmd=(dotnet "$root/src/SplitGuard/bin/Release/net10.0/splitguard.dll")
fi
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
sg() { "${sg_cmd[@]}" "$@"; }

"${sg_cmd[@]}" keygen "$work/authkey" >/dev/null

if [[ $(id -u) -ne 0 ]]; then
  echo "(not root: two daemons on loopback with UDP links only, no witness and so no failover; run as root for the full demo)"
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
  "Daemon": { "pid_file": "$work/{node}.pid", "control_socket": "$work/{node}-control.sock", "state_dir": "$work/{node}-state" }
}
JSON
  for n in n1 n2; do
    "${sg_cmd[@]}" daemon --config "$work/cluster.json" --node "$n" --foreground >"$work/$n.out" 2>&1 &
    pids+=($!)
  done
  sleep 2
  step "status on n1"
  sg status --config "$work/cluster.json" --node n1
  step "stopping n2: n1 sees both links and the udp path go out of service"
  kill -TERM "${pids[1]}"
  sleep 1.5
  sg status --config "$work/cluster.json" --node n1
  exit 0
fi

lab/setup.sh
prefix="sgd$(printf '%04x' $((RANDOM)))"
lab/net.sh up "$prefix" 3 >"$work/topology"
while IFS='=' read -r key value; do printf -v "$key" '%s' "$value"; done <"$work/topology"
vip="$SUBNET.100"
port=7007
cat >"$work/cluster.json" <<JSON
{
  "Cluster": [ { "ID": 1,
    "Members": [ { "ID": 1, "Hostname": "n1" }, { "ID": 2, "Hostname": "n2" } ],
    "links": [
      { "ID": 1, "type": "udp",  "interval": 0.005, "maxloss": 8,
        "Nodes": [ { "NodeID": 1, "IP": "$IP_n1" }, { "NodeID": 2, "IP": "$IP_n2" } ] },
      { "ID": 2, "type": "icmp", "interval": 0.005, "maxloss": 8, "ICMPIP": "$IP_w",
        "Nodes": [ { "NodeID": 1, "IP": "$IP_n1" }, { "NodeID": 2, "IP": "$IP_n2" } ] } ] } ],
  "System": { "udp_port": 5405 },
  "Ownership": { "stop_budget": 0.01 },
  "Logging": { "level": "INFO", "logfile": "$work/{node}.log" },
  "api": { "socket": "$work/{node}-api.sock" },
  "Auth": { "key_file": "$work/authkey" },
  "Daemon": { "pid_file": "$work/{node}.pid", "control_socket": "$work/{node}-control.sock", "state_dir": "$work/{node}-state" },
  "Resources": [
    { "name": "vip", "agent": "builtin:vip", "group": "service",
      "params": { "ip": "$vip", "cidr_netmask": "24" }, "monitor_interval": 2 },
    { "name": "echo", "agent": "script:$root/lab/demo/echo-service", "group": "service",
      "params": { "ip": "$vip", "port": "$port", "state_dir": "$work" }, "monitor_interval": 2 }
  ]
}
JSON
export SPLITGUARD_OWNERSHIP_LOG="$work/ownership.log"
: >"$SPLITGUARD_OWNERSHIP_LOG"
status_of() { ip netns exec "$prefix-$1" "${sg_cmd[@]}" status --config "$work/cluster.json" --node "$1" "${@:2}"; }

step "lab $prefix: nodes n1 ($IP_n1) and n2 ($IP_n2), witness w ($IP_w, only its kernel answers ICMP), client n3 ($IP_n3)"
sg config check "$work/cluster.json" | head -4
step "starting SplitGuard on n1 and n2; the service (virtual IP $vip managed inside the daemon (builtin:vip) + a UDP echo on port $port) starts on one of them; the robust profile of docs/ownership.md (interval 0.005 s, maxloss 8, stop budget 0.01 s)"
for n in n1 n2; do
  ip netns exec "$prefix-$n" "${sg_cmd[@]}" daemon --config "$work/cluster.json" --node "$n" --foreground >"$work/$n.out" 2>&1 &
  pids+=($!)
  disown $!
done
owner=""
for _ in $(seq 150); do
  for n in n1 n2; do
    if status_of "$n" --json 2>/dev/null | grep -q '"resources": "started"'; then owner=$n; fi
  done
  [[ -n $owner ]] && break
  sleep 0.1
done
[[ -n $owner ]] || { echo "no node started the service within 15 s"; tail -n 20 "$work/n1.log" "$work/n2.log"; exit 1; }
survivor=$([[ $owner == n1 ]] && echo n2 || echo n1)
ip netns exec "$prefix-n3" /usr/bin/python3 lab/demo/probe.py "$vip" "$port" "$work/probe.log" &
pids+=($!)
sleep 1.5
status_of "$owner"
echo; echo "client n3 gets answers from: $(awk '{print $2}' "$work/probe.log" | sort | uniq -c | xargs)"

step "manual switchover (pha's offline): \`splitguard offline --for 3\` on $owner"
switch=$(date +%s%N)
ip netns exec "$prefix-$owner" "${sg_cmd[@]}" offline --for 3 --config "$work/cluster.json" --node "$owner"
for _ in $(seq 500); do
  awk -v t="$switch" -v s="$survivor" '$1 > t && $2 == s {found=1} END {exit !found}' "$work/probe.log" && break
  sleep 0.01
done
first=$(awk -v t="$switch" -v s="$survivor" '$1 > t && $2 == s {print $1; exit}' "$work/probe.log")
echo "the client got its first answer from $survivor $(( (first - switch) / 1000000 )) ms after the command (no lease wait: $owner released)"
owner_was=$owner; owner=$survivor; survivor=$owner_was
sleep 3.5
echo "$survivor is ONLINE again and stays follower: $(status_of "$survivor" --json | grep -o '"why": "[^"]*"')"

if [[ ${DEMO_FAULT:-crash} == daemon ]]; then
  step "killing only $owner's daemon with -9: its service is left running, its guard process must stop it before $survivor takes over"
  fault=$(date +%s%N)
  kill -KILL "${pids[$([[ $owner == n1 ]] && echo 0 || echo 1)]}"
else
  step "crashing $owner: every process in its namespace killed with -9 (daemon and service), its addresses gone"
  fault=$(date +%s%N)
  echo "$fault $owner - crash" >>"$SPLITGUARD_OWNERSHIP_LOG"
  ip netns pids "$prefix-$owner" | xargs -r kill -KILL
  ip -n "$prefix-$owner" addr flush dev "$prefix-${owner}e"
fi
for _ in $(seq 500); do
  awk -v t="$fault" -v s="$survivor" '$1 > t && $2 == s {found=1} END {exit !found}' "$work/probe.log" && break
  sleep 0.01
done
sleep 1
status_of "$survivor"
kill -TERM "${pids[-1]}" 2>/dev/null || true
sleep 0.2
step "what the client saw, and the shared ownership log"
python3 lab/demo/check.py "$work/probe.log" "$SPLITGUARD_OWNERSHIP_LOG" "$fault"
echo
echo "(takeover waits for the lease: detection + stop budget + acquire-after; see docs/ownership.md)"
