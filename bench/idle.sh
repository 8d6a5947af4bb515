#!/usr/bin/env bash
# Idle cost of one SplitGuard daemon with 2 peers x 2 links (udp + icmp via the witness), at 20 and
# 100 frames/s per link, and on the robust profile (one peer, udp + icmp at 200 frames/s per link, the lease and a
# builtin:vip, as docs/ownership.md sets it; measured on n1, which may or may not hold the address), against
# keepalived's VRRP master at advert_int 0.01 measured in the same run. The cost per frame divides the CPU by the
# packets the node's interface sent and received in the window (heartbeats, witness probes and their answers; for
# keepalived its adverts): issue 14's target is a frame costing at most what an advert costs keepalived.
#   bench/idle.sh [SECONDS]        (default 60 s per case; as root)
#   bench/idle.sh --native [SECONDS]   also the Native AOT binary (packaging/native.sh), beside the dotnet build,
#                                      with the start-up time and the `status` round trip of each
# Prints a table with CPU seconds per minute, resident memory, frames per second, CPU per frame, and the ratios to keepalived.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
native=0
[[ ${1:-} == --native ]] && { native=1; shift; }
secs=${1:-60}
[[ $(id -u) -eq 0 ]] || { echo "bench/idle.sh: needs root (namespaces, raw sockets)" >&2; exit 2; }
lab/setup.sh
command -v keepalived >/dev/null || { apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq keepalived >/dev/null; }
dotnet build src/SplitGuard/SplitGuard.csproj -c Release -nologo -clp:ErrorsOnly >/dev/null
dll=$root/src/SplitGuard/bin/Release/net10.0/splitguard.dll
runners=("dotnet $dll")
labels=("splitguard (dotnet)")
if (( native )); then
  packaging/native.sh "$root/out/native" >/dev/null
  runners+=("$root/out/native/splitguard")
  labels+=("splitguard (native AOT)")
fi
work=$(mktemp -d /tmp/splitguard-bench.XXXXXX)
prefix="sgb$(printf '%04x' $((RANDOM)))"
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
  sleep 0.5
  for p in "${pids[@]}"; do kill -KILL "$p" 2>/dev/null || true; done
  lab/net.sh down "$prefix" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT
lab/net.sh up "$prefix" 3 >"$work/topology"
while IFS='=' read -r key value; do printf -v "$key" '%s' "$value"; done <"$work/topology"
dotnet "$dll" keygen "$work/authkey" >/dev/null

files_json() { # the keys every case shares: where each node keeps its files
  cat <<JSON
  "System": { "udp_port": 5405 },
  "Logging": { "level": "INFO", "logfile": "$work/{node}.log" },
  "api": { "socket": "$work/{node}-api.sock" },
  "Auth": { "key_file": "$work/authkey" },
  "Daemon": { "pid_file": "$work/{node}.pid", "control_socket": "$work/{node}-control.sock", "state_dir": "$work/{node}-state" } }
JSON
}

config() { # interval [nodes: 3 (default), or 2 for the robust profile]
  local i=$1
  if [[ ${2:-3} == 2 ]]; then
    cat <<JSON
{ "Cluster": [ { "ID": 1,
    "Members": [ { "ID": 1, "Hostname": "n1" }, { "ID": 2, "Hostname": "n2" } ],
    "links": [
      { "ID": 1, "type": "udp",  "interval": $i, "maxloss": 8, "Nodes": [ { "NodeID": 1, "IP": "$IP_n1" }, { "NodeID": 2, "IP": "$IP_n2" } ] },
      { "ID": 2, "type": "icmp", "interval": $i, "maxloss": 8, "ICMPIP": "$IP_w", "Nodes": [ { "NodeID": 1, "IP": "$IP_n1" }, { "NodeID": 2, "IP": "$IP_n2" } ] } ] } ],
  "Ownership": { "stop_budget": 0.01 },
  "Resources": [ { "name": "vip", "agent": "builtin:vip", "params": { "ip": "$SUBNET.100", "cidr_netmask": "24" }, "monitor_interval": 2 } ],
JSON
  else
    cat <<JSON
{ "Cluster": [ { "ID": 1,
    "Members": [ { "ID": 1, "Hostname": "n1" }, { "ID": 2, "Hostname": "n2" }, { "ID": 3, "Hostname": "n3" } ],
    "links": [
      { "ID": 1, "type": "udp",  "interval": $i, "maxloss": 5, "Nodes": [ { "NodeID": 1, "IP": "$IP_n1" }, { "NodeID": 2, "IP": "$IP_n2" } ] },
      { "ID": 2, "type": "icmp", "interval": $i, "maxloss": 5, "ICMPIP": "$IP_w", "Nodes": [ { "NodeID": 1, "IP": "$IP_n1" }, { "NodeID": 2, "IP": "$IP_n2" } ] },
      { "ID": 3, "type": "udp",  "interval": $i, "maxloss": 5, "Nodes": [ { "NodeID": 1, "IP": "$IP_n1" }, { "NodeID": 3, "IP": "$IP_n3" } ] },
      { "ID": 4, "type": "icmp", "interval": $i, "maxloss": 5, "ICMPIP": "$IP_w", "Nodes": [ { "NodeID": 1, "IP": "$IP_n1" }, { "NodeID": 3, "IP": "$IP_n3" } ] } ] } ],
JSON
  fi
  files_json
}

packets() { # namespace -> packets received + sent on its interfaces but lo
  # "NAME: rx_bytes rx_packets ... (8 receive fields) tx_bytes tx_packets ..."; a long NAME has no padding before it.
  ip netns exec "$1" cat /proc/net/dev |
    awk -F: 'NR > 2 { name = $1; gsub(/ /, "", name); if (name != "lo") { split($2, f, " "); n += f[2] + f[10] } } END { print n + 0 }'
}

measure() { # pid namespace -> "cpu_s_per_min rss_mb frames_per_s"
  local pid=$1 ns=$2 a b pa pb
  sleep 10   # warm-up: JIT, first allocations
  a=$(python3 bench/procstat.py "$pid"); pa=$(packets "$ns")
  sleep "$secs"
  b=$(python3 bench/procstat.py "$pid"); pb=$(packets "$ns")
  python3 - "$a" "$b" "$secs" "$pa" "$pb" <<'PY'
import sys
c0, _, _ = sys.argv[1].split(); c1, r1, _ = sys.argv[2].split()
secs, pa, pb = float(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
print(f"{(float(c1) - float(c0)) * 60 / secs:.3f} {int(r1) / 1024:.1f} {(pb - pa) / secs:.0f}")
PY
}

startup() { # runner -> ms from exec until the control socket answers (median of 5 starts of n1 alone)
  local runner=$1 i
  for i in 1 2 3 4 5; do
    python3 - "$prefix-n1" "$work/c.json" "$work/n1-control.sock" $runner <<'PY'
import subprocess, sys, time, socket, json, os
ns, cfg, sock, runner = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4:]
t0 = time.monotonic()
p = subprocess.Popen(["ip", "netns", "exec", ns, *runner, "daemon", "--config", cfg, "--node", "n1", "--foreground"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
while True:
    try:
        s = socket.socket(socket.AF_UNIX); s.connect(sock); s.sendall(b'{"command":"ping"}\n')
        if b'"ok"' in s.recv(4096): break
    except OSError:
        time.sleep(0.002)
print(round((time.monotonic() - t0) * 1000))
p.terminate(); p.wait()
PY
  done | sort -n | sed -n 3p
}

roundtrip() { # runner -> ms for `status --json --control-socket` (median of 9)
  local runner=$1 i
  for i in 1 2 3 4 5 6 7 8 9; do
    python3 -c 'import subprocess,sys,time; t=time.monotonic(); subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, check=True); print(round((time.monotonic()-t)*1000))' \
      ip netns exec "$prefix-n1" $runner status --json --control-socket "$work/n1-control.sock"
  done | sort -n | sed -n 5p
}

results=()
timings=()
for r in "${!runners[@]}"; do
  runner=${runners[$r]}
  for case in "0.05 3" "0.01 3" "0.005 2"; do
    read -r interval nodes <<<"$case"
    config "$interval" "$nodes" >"$work/c.json"
    pids=()
    members=(n1 n2 n3); [[ $nodes == 2 ]] && members=(n1 n2)
    for n in "${members[@]}"; do
      ip netns exec "$prefix-$n" $runner daemon --config "$work/c.json" --node "$n" --foreground >"$work/$n.out" 2>&1 &
      pids+=($!)
    done
    sleep 2
    in_service=$(ip netns exec "$prefix-n1" $runner status --json --config "$work/c.json" --node n1 | grep -c '"state": "in_service"' || true)
    rate=$(python3 -c "print(round(1/$interval))")
    shape="2 peers x 2 links"; [[ $nodes == 2 ]] && shape="robust profile: 1 peer x (udp + icmp), maxloss 8, lease and builtin:vip"
    results+=("${labels[$r]}, $shape, $rate frames/s per link|$(measure "${pids[0]}" "$prefix-n1")|links+paths in service at start: $in_service/$(( nodes == 2 ? 4 : 8 ))")
    if [[ $interval == 0.01 ]]; then
      timings+=("${labels[$r]}: \`status\` round trip $(roundtrip "$runner") ms (median of 9)")
    fi
    for p in "${pids[@]}"; do kill -TERM "$p"; done
    wait 2>/dev/null || true
  done
  timings+=("${labels[$r]}: start to a control socket that answers $(startup "$runner") ms (median of 5)")
done

for n in n1 n2; do
  other=$([[ $n == n1 ]] && echo n2 || echo n1)
  ip_self=IP_$n; ip_other=IP_$other; ifc=IF_$n
  cat >"$work/keepalived-$n.conf" <<CONF
global_defs { router_id $n
  vrrp_version 3 }
vrrp_instance VI_1 {
  state $([[ $n == n1 ]] && echo MASTER || echo BACKUP)
  interface ${!ifc}
  virtual_router_id 51
  priority $([[ $n == n1 ]] && echo 150 || echo 100)
  advert_int 0.01
  unicast_src_ip ${!ip_self}
  unicast_peer { ${!ip_other} }
  virtual_ipaddress { $SUBNET.100/24 }
}
CONF
done
pids=()
for n in n1 n2; do
  ip netns exec "$prefix-$n" keepalived --dont-fork --vrrp --log-console -f "$work/keepalived-$n.conf" \
    --pid="$work/ka-$n.pid" --vrrp_pid="$work/ka-vrrp-$n.pid" >"$work/ka-$n.out" 2>&1 &
  pids+=($!)
done
sleep 2
results+=("keepalived $(keepalived --version 2>&1 | head -1 | awk '{print $2}') VRRP master, advert_int 0.01 (100 adverts/s)|$(measure "${pids[0]}" "$prefix-n1")|baseline")

ka=${results[-1]#*|}; ka=${ka%%|*}
printf '\n| case | CPU s/min | RSS MB | frames/s (rx+tx) | CPU us per frame | CPU vs keepalived | RSS vs keepalived | per frame vs keepalived per advert | note |\n| --- | --- | --- | --- | --- | --- | --- | --- | --- |\n'
for r in "${results[@]}"; do
  name=${r%%|*}; rest=${r#*|}; nums=${rest%%|*}; note=${rest#*|}
  python3 - "$name" "$nums" "$ka" "$note" <<'PY'
import sys
n, nums, ka, note = sys.argv[1:]
c, r, f = map(float, nums.split()); kc, kr, kf = map(float, ka.split())
ratio = lambda a, b: f"{a / b:.2f}x" if b > 0 else "n/a"
per = lambda cpu, frames: cpu / 60 / frames * 1e6 if frames > 0 else float("nan")
print(f"| {n} | {c:.3f} | {r:.1f} | {f:.0f} | {per(c, f):.1f} | {ratio(c, kc)} | {ratio(r, kr)} | {ratio(per(c, f), per(kc, kf))} | {note} |")
PY
done
echo
printf '%s\n' "${timings[@]}"
echo "measured $(date -u +%Y-%m-%dT%H:%MZ) on $(nproc) cores, $(uname -r), dotnet $(dotnet --version), ${secs} s per case after 10 s warm-up"
