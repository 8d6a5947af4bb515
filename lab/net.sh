#!/usr/bin/env bash
# SplitGuard namespace lab: N node namespaces plus a witness on one bridge, and nftables faults.
# The recipes are those of shared/FAULTS.md section 2 (no netem on this kernel).
#
#   net.sh up PREFIX N [SUBNET]          build the topology; prints KEY=VALUE lines (see below)
#   net.sh down PREFIX                   delete every namespace PREFIX-* and stray PREFIX-* links
#   net.sh fault PREFIX KIND ARGS...     inject a fault (also accepted: fault PREFIX NODE KIND ARGS...)
#       partition NODE OTHER             NODE drops all IPv4 in from / out to OTHER (both ways cut);
#                                        the witness stays reachable from both; the icmp relay via the
#                                        witness is not cut (its packets never go node to node)
#       oneway NODE OTHER                NODE's input drops everything from OTHER (OTHER hears NODE,
#                                        NODE does not hear OTHER)
#       loss NODE PERCENT                NODE's input drops PERCENT % (numgen random) of packets from
#                                        cluster addresses, not from loopback
#       icmp-drop-at-witness             the witness's input drops ip protocol icmp
#       udp-drop NODE [PORT]             NODE drops udp in and out (only dport PORT if given)
#       isolate-from-witness NODE        NODE drops all IPv4 in from / out to the witness
#       relay-drop NODE OTHER            NODE's output drops ICMP carrying OTHER's address as source: the
#                                        frames NODE relays to OTHER through the witness (the sbp icmp
#                                        link); NODE's own probes of the witness still pass. A selective
#                                        relay filter: with `partition` on top, both nodes reach the
#                                        witness but not each other on any path
#       heal [NODE|all]                  remove the fault tables (default all)
#   net.sh heal PREFIX [NODE|all]        same as fault PREFIX heal [NODE|all]
#   net.sh print-fault PREFIX KIND ARGS...
#                                        print "NETNS=NS" and the nft script the fault would apply (not heal);
#                                        `ip netns exec NS nft -f SCRIPT` applies it (the same table, so heal removes it)
#   net.sh rules PREFIX                  print the fault tables of every namespace
#   net.sh exec PREFIX NODE CMD...       ip netns exec PREFIX-NODE CMD...
#   net.sh ip PREFIX NODE                print NODE's IPv4 address
#   net.sh udp-probe PREFIX FROM TO [PORT] [COUNT]
#                                        send COUNT (default 20) datagrams FROM -> TO; prints
#                                        "sent=S received=R"; exit 0 if R>0, 1 if none arrived
#   net.sh relay-probe PREFIX FROM TO [COUNT]
#                                        COUNT (default 20) ICMP echo requests FROM -> witness with
#                                        TO's address as source (the sbp icmp link); counts the
#                                        witness's replies arriving at TO; exit 0 if any
#   net.sh list-leftovers PREFIX         print "netns NAME" / "link NAME" for anything left; empty = clean
#
# Names: PREFIX is 2-8 chars [a-z0-9], starting with a letter (e.g. sg + 4 random hex digits).
# Namespaces PREFIX-sw (bridge PREFIX-br), PREFIX-n1..PREFIX-nN, PREFIX-w (witness).
# Veths: PREFIX-<node>e inside the node namespace, PREFIX-<node>s in PREFIX-sw on the bridge.
# Addresses: SUBNET.i/24 for node ni (i = 1..N), SUBNET.(N+1) for the witness. SUBNET is three
# octets, default 10.H.0 with H in 16..239 hashed from PREFIX.
# Fault tables: nft tables named PREFIX_<kind>[_<other>] (family inet) inside the namespace they act in.
set -euo pipefail

readonly PY=/usr/bin/python3

die() { echo "net.sh: $*" >&2; exit 2; }

check_prefix() {
  [[ "${1:-}" =~ ^[a-z][a-z0-9]{1,7}$ ]] || die "bad PREFIX '${1:-}': need 2-8 chars [a-z0-9] starting with a letter"
}

check_node() {
  [[ "${1:-}" =~ ^(n[1-9][0-9]?|w|sw)$ ]] || die "bad NODE '${1:-}': expected n1..n99, w or sw"
}

need_tools() {
  local t
  for t in "$@"; do
    command -v "$t" >/dev/null 2>&1 || die "$t not found: run lab/setup.sh (as root) first"
  done
}

ns_exists() { ip netns list | awk '{print $1}' | grep -qx -- "$1"; }

prefix_namespaces() { ip netns list | awk '{print $1}' | grep -E "^$1-" || true; }

ns_of() {
  local ns="$1-$2"
  ns_exists "$ns" || die "namespace $ns does not exist"
  echo "$ns"
}

ip_of() {
  # ip_of PREFIX NODE -> the IPv4 address (no length) on the node's veth
  local ns addr
  ns="$(ns_of "$1" "$2")"
  addr="$(ip -n "$ns" -4 -o addr show dev "$1-$2e" 2>/dev/null | awk '{print $4}' | head -n1)"
  [ -n "$addr" ] || die "no IPv4 address on $1-$2e in $ns"
  echo "${addr%/*}"
}

subnet_of() { local a; a="$(ip_of "$1" "$2")"; echo "${a%.*}"; }

sysctl_ns() {
  # sysctl_ns NS KEY=VALUE... ; keys that do not exist in this kernel are skipped
  local ns="$1" kv key
  shift
  for kv in "$@"; do
    key="${kv%%=*}"
    if [ -e "/proc/sys/${key//.//}" ]; then
      ip netns exec "$ns" sysctl -q -w "$kv" >/dev/null
    fi
  done
}

cmd_up() {
  local prefix="${1:-}" n="${2:-}" subnet="${3:-}"
  check_prefix "$prefix"
  [[ "$n" =~ ^[1-9][0-9]?$ ]] || die "bad N '$n': 1..99"
  need_tools ip nft
  if [ -z "$subnet" ]; then
    local h
    h="$(printf '%s' "$prefix" | cksum | awk '{print $1}')"
    subnet="10.$(( 16 + h % 224 )).0"
  fi
  subnet="${subnet%/*}"
  if [[ "$subnet" =~ ^([0-9]+)\.([0-9]+)\.([0-9]+)\.0$ ]]; then subnet="${subnet%.0}"; fi
  [[ "$subnet" =~ ^([0-9]{1,3})\.([0-9]{1,3})\.([0-9]{1,3})$ ]] || die "bad SUBNET '$subnet': expected A.B.C (a /24)"
  local o
  for o in "${BASH_REMATCH[@]:1}"; do [ "$o" -le 255 ] || die "bad SUBNET '$subnet'"; done
  [ -z "$(prefix_namespaces "$prefix")" ] || die "namespaces with prefix $prefix- already exist: run down first"

  # On any failure, delete the namespaces this call created (and only those: a concurrent up
  # that picked the same prefix keeps its own).
  created=()
  trap 'rc=$?; if [ $rc -ne 0 ]; then echo "net.sh: up failed (rc=$rc), removing what it built" >&2; for c in "${created[@]}"; do remove_ns "$c"; done; fi' EXIT

  local sw="$prefix-sw" br="$prefix-br"
  ip netns add "$sw"
  created+=("$sw")
  ip -n "$sw" link set lo up
  sysctl_ns "$sw" net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1 \
    net.bridge.bridge-nf-call-iptables=0 net.bridge.bridge-nf-call-ip6tables=0 net.bridge.bridge-nf-call-arptables=0
  ip -n "$sw" link add "$br" type bridge
  ip -n "$sw" link set "$br" up

  echo "PREFIX=$prefix"
  echo "N=$n"
  echo "SUBNET=$subnet"
  echo "PREFIXLEN=24"
  echo "NS_sw=$sw"
  echo "BRIDGE=$br"

  local i name ns addr nodes=""
  for (( i = 1; i <= n + 1; i++ )); do
    if [ "$i" -le "$n" ]; then name="n$i"; else name="w"; fi
    ns="$prefix-$name"
    addr="$subnet.$i"
    ip netns add "$ns"
    created+=("$ns")
    sysctl_ns "$ns" net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1 \
      net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.default.rp_filter=0 \
      net.ipv4.icmp_echo_ignore_all=0 net.ipv4.icmp_echo_ignore_broadcasts=1
    if [ "$name" = "w" ]; then
      # only the kernel answers here: make sure echo replies are not rate limited
      sysctl_ns "$ns" net.ipv4.icmp_ratelimit=0
    fi
    ip -n "$ns" link set lo up
    ip -n "$ns" link add "$prefix-${name}e" type veth peer name "$prefix-${name}s" netns "$sw"
    sysctl_ns "$ns" "net.ipv4.conf.$prefix-${name}e.rp_filter=0"
    ip -n "$ns" addr add "$addr/24" dev "$prefix-${name}e"
    ip -n "$ns" link set "$prefix-${name}e" up
    ip -n "$sw" link set "$prefix-${name}s" master "$br"
    ip -n "$sw" link set "$prefix-${name}s" up
    echo "NS_$name=$ns"
    echo "IP_$name=$addr"
    echo "IF_$name=$prefix-${name}e"
    if [ "$name" != "w" ]; then nodes="$nodes${nodes:+ }$name"; fi
  done
  echo "NODES=$nodes"
  trap - EXIT
}

remove_ns() {
  local pid
  # processes still inside would keep the namespace alive after its name is gone
  for pid in $(ip netns pids "$1" 2>/dev/null || true); do
    kill -KILL "$pid" 2>/dev/null || true
  done
  ip netns del "$1" 2>/dev/null || true
}

cmd_down() {
  local prefix="${1:-}" ns link
  check_prefix "$prefix"
  for ns in $(prefix_namespaces "$prefix"); do remove_ns "$ns"; done
  for link in $(ip -o link show 2>/dev/null | awk -F': ' '{print $2}' | sed 's/@.*//' | grep -E "^$prefix-" || true); do
    ip link del "$link" 2>/dev/null || true
  done
  return 0
}

cmd_list_leftovers() {
  local prefix="${1:-}" ns link
  check_prefix "$prefix"
  for ns in $(prefix_namespaces "$prefix"); do echo "netns $ns"; done
  for link in $(ip -o link show 2>/dev/null | awk -F': ' '{print $2}' | sed 's/@.*//' | grep -E "^$prefix-" || true); do
    echo "link $link"
  done
  return 0
}

# nft_replace NS TABLE BODY: atomically (re)create table inet TABLE with BODY in namespace NS.
# With NETSH_PRINT=1 (net.sh print-fault) it prints "NETNS=NS" and the nft script instead, so a caller can apply it
# later with one `ip netns exec NS nft -f FILE` and know to a few milliseconds when the fault began.
nft_replace() {
  local ns="$1" table="$2" body="$3" script
  script="$(printf 'add table inet %s\ndelete table inet %s\ntable inet %s {\n%s\n}\n' "$table" "$table" "$table" "$body")"
  if [ -n "${NETSH_PRINT:-}" ]; then
    printf 'NETNS=%s\n%s\n' "$ns" "$script"
    return 0
  fi
  printf '%s\n' "$script" | ip netns exec "$ns" nft -f -
}

chains_in_out() {
  # chains_in_out IN_RULES OUT_RULES
  printf '  chain in { type filter hook input priority 0; policy accept;\n%s\n  }\n' "$1"
  printf '  chain out { type filter hook output priority 0; policy accept;\n%s\n  }\n' "$2"
}

cmd_fault() {
  local prefix="${1:-}"
  check_prefix "$prefix"
  shift
  need_tools nft
  local kind="${1:-}"
  case "$kind" in
    partition|oneway|loss|icmp-drop-at-witness|udp-drop|isolate-from-witness|relay-drop|heal) shift ;;
    *)
      # node-first form: fault PREFIX NODE KIND [ARGS]
      local node="${1:-}" k2="${2:-}"
      [ -n "$k2" ] || die "usage: fault PREFIX KIND ARGS... (kinds: partition oneway loss icmp-drop-at-witness udp-drop isolate-from-witness relay-drop heal)"
      shift 2
      if [ "$k2" = "icmp-drop-at-witness" ]; then set --; else set -- "$node" "$@"; fi
      kind="$k2"
      ;;
  esac

  local node other ns oip wip sub pct port
  case "$kind" in
    partition)
      node="${1:-}"; other="${2:-}"; check_node "$node"; check_node "$other"
      ns="$(ns_of "$prefix" "$node")"; oip="$(ip_of "$prefix" "$other")"
      nft_replace "$ns" "${prefix}_part_$other" "$(chains_in_out \
        "    ip saddr $oip drop" "    ip daddr $oip drop")"
      ;;
    oneway)
      node="${1:-}"; other="${2:-}"; check_node "$node"; check_node "$other"
      ns="$(ns_of "$prefix" "$node")"; oip="$(ip_of "$prefix" "$other")"
      nft_replace "$ns" "${prefix}_oneway_$other" \
        "$(printf '  chain in { type filter hook input priority 0; policy accept;\n    ip saddr %s drop\n  }\n' "$oip")"
      ;;
    loss)
      node="${1:-}"; pct="${2:-}"; check_node "$node"
      [[ "$pct" =~ ^[0-9]{1,3}$ ]] && [ "$pct" -le 100 ] || die "bad PERCENT '$pct': 0..100"
      ns="$(ns_of "$prefix" "$node")"; sub="$(subnet_of "$prefix" "$node")"
      nft_replace "$ns" "${prefix}_loss" \
        "$(printf '  chain in { type filter hook input priority 0; policy accept;\n    iifname != "lo" ip saddr %s.0/24 numgen random mod 100 < %s drop\n  }\n' "$sub" "$pct")"
      ;;
    icmp-drop-at-witness)
      ns="$(ns_of "$prefix" w)"
      nft_replace "$ns" "${prefix}_icmp" \
        "$(printf '  chain in { type filter hook input priority 0; policy accept;\n    ip protocol icmp drop\n  }\n')"
      ;;
    udp-drop)
      node="${1:-}"; port="${2:-}"; check_node "$node"
      ns="$(ns_of "$prefix" "$node")"
      if [ -n "$port" ]; then
        [[ "$port" =~ ^[0-9]{1,5}$ ]] && [ "$port" -le 65535 ] || die "bad PORT '$port'"
        nft_replace "$ns" "${prefix}_udp" "$(chains_in_out \
          "    udp dport $port drop" "    udp dport $port drop")"
      else
        nft_replace "$ns" "${prefix}_udp" "$(chains_in_out \
          "    meta l4proto udp drop" "    meta l4proto udp drop")"
      fi
      ;;
    isolate-from-witness)
      node="${1:-}"; check_node "$node"
      [ "$node" != "w" ] || die "isolate-from-witness needs a node, not the witness"
      ns="$(ns_of "$prefix" "$node")"; wip="$(ip_of "$prefix" w)"
      nft_replace "$ns" "${prefix}_isow" "$(chains_in_out \
        "    ip saddr $wip drop" "    ip daddr $wip drop")"
      ;;
    relay-drop)
      node="${1:-}"; other="${2:-}"; check_node "$node"; check_node "$other"
      [ "$node" != "w" ] && [ "$other" != "w" ] || die "relay-drop needs two nodes, not the witness"
      ns="$(ns_of "$prefix" "$node")"; oip="$(ip_of "$prefix" "$other")"
      nft_replace "$ns" "${prefix}_relay_$other" \
        "$(printf '  chain out { type filter hook output priority 0; policy accept;\n    ip saddr %s ip protocol icmp drop\n  }\n' "$oip")"
      ;;
    heal)
      node="${1:-all}"
      local targets t tbl
      if [ "$node" = "all" ]; then
        targets="$(prefix_namespaces "$prefix")"
      else
        check_node "$node"; targets="$(ns_of "$prefix" "$node")"
      fi
      for t in $targets; do
        for tbl in $(ip netns exec "$t" nft list tables 2>/dev/null | awk -v p="${prefix}_" '$1 == "table" && index($3, p) == 1 {print $2 " " $3}' | tr ' ' ':'); do
          ip netns exec "$t" nft delete table "${tbl%%:*}" "${tbl#*:}"
        done
      done
      ;;
    *) die "unknown fault kind '$kind'" ;;
  esac
}

cmd_rules() {
  local prefix="${1:-}" ns
  check_prefix "$prefix"
  for ns in $(prefix_namespaces "$prefix"); do
    echo "# $ns"
    ip netns exec "$ns" nft list ruleset 2>/dev/null || true
  done
}

cmd_exec() {
  local prefix="${1:-}" node="${2:-}" ns
  check_prefix "$prefix"; check_node "$node"
  shift 2
  [ "$#" -gt 0 ] || die "usage: exec PREFIX NODE CMD..."
  ns="$(ns_of "$prefix" "$node")"
  exec ip netns exec "$ns" "$@"
}

cmd_udp_probe() {
  local prefix="${1:-}" from="${2:-}" to="${3:-}" port="${4:-47999}" count="${5:-20}"
  check_prefix "$prefix"; check_node "$from"; check_node "$to"
  [[ "$port" =~ ^[0-9]{1,5}$ ]] || die "bad PORT '$port'"
  [[ "$count" =~ ^[1-9][0-9]{0,4}$ ]] || die "bad COUNT '$count'"
  [ -x "$PY" ] || die "$PY not found: run lab/setup.sh first"
  local fns tns tip tmp rpid sent received i
  fns="$(ns_of "$prefix" "$from")"; tns="$(ns_of "$prefix" "$to")"; tip="$(ip_of "$prefix" "$to")"
  tmp="$(mktemp -d)"
  # receiver: binds, signals readiness, counts datagrams until COUNT arrive or 1 s after the sender is done
  ip netns exec "$tns" "$PY" -c '
import socket, sys, os, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("0.0.0.0", int(sys.argv[1])))
open(sys.argv[3] + "/ready", "w").close()
want, n, deadline, done = int(sys.argv[2]), 0, time.monotonic() + 30, False
s.settimeout(0.02)
while n < want and time.monotonic() < deadline:
    if not done and os.path.exists(sys.argv[3] + "/done"):
        done, deadline = True, min(deadline, time.monotonic() + 1.0)
    try:
        s.recvfrom(65535)
        n += 1
    except socket.timeout:
        pass
print(n)
' "$port" "$count" "$tmp" >"$tmp/out" 2>"$tmp/err" &
  rpid=$!
  for (( i = 0; i < 300; i++ )); do [ -e "$tmp/ready" ] && break; sleep 0.01; done
  [ -e "$tmp/ready" ] || { kill "$rpid" 2>/dev/null || true; cat "$tmp/err" >&2; rm -rf "$tmp"; die "udp receiver in $tns did not start"; }
  sent="$(ip netns exec "$fns" "$PY" -c '
import socket, sys, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
ok = 0
for i in range(int(sys.argv[3])):
    try:
        s.sendto(b"splitguard-lab-probe %d" % i, (sys.argv[1], int(sys.argv[2]))); ok += 1
    except OSError:
        pass
    time.sleep(0.005)
print(ok)
' "$tip" "$port" "$count")"
  touch "$tmp/done"
  wait "$rpid" || true
  received="$(cat "$tmp/out")"
  rm -rf "$tmp"
  echo "sent=$sent received=${received:-0}"
  [ "${received:-0}" -gt 0 ]
}

cmd_relay_probe() {
  # ICMP echo requests from FROM to the witness with TO's address as source; the witness's
  # kernel answers to TO (the sbp icmp link). Counts the replies TO receives.
  local prefix="${1:-}" from="${2:-}" to="${3:-}" count="${4:-20}"
  check_prefix "$prefix"; check_node "$from"; check_node "$to"
  [[ "$count" =~ ^[1-9][0-9]{0,4}$ ]] || die "bad COUNT '$count'"
  [ -x "$PY" ] || die "$PY not found: run lab/setup.sh first"
  local fns tns tip fip wip tmp rpid sent received i token
  fns="$(ns_of "$prefix" "$from")"; tns="$(ns_of "$prefix" "$to")"
  tip="$(ip_of "$prefix" "$to")"; fip="$(ip_of "$prefix" "$from")"; wip="$(ip_of "$prefix" w)"
  token="sgrelay$$"
  tmp="$(mktemp -d)"
  ip netns exec "$tns" "$PY" -c '
import socket, sys, os, time
s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)
open(sys.argv[3] + "/ready", "w").close()
want, tok, n, deadline, done = int(sys.argv[1]), sys.argv[2].encode(), 0, time.monotonic() + 30, False
s.settimeout(0.02)
while n < want and time.monotonic() < deadline:
    if not done and os.path.exists(sys.argv[3] + "/done"):
        done, deadline = True, min(deadline, time.monotonic() + 1.0)
    try:
        pkt = s.recv(65535)
    except socket.timeout:
        continue
    ihl = (pkt[0] & 15) * 4
    if len(pkt) > ihl and pkt[ihl] == 0 and tok in pkt[ihl + 8:]:
        n += 1
print(n)
' "$count" "$token" "$tmp" >"$tmp/out" 2>"$tmp/err" &
  rpid=$!
  for (( i = 0; i < 300; i++ )); do [ -e "$tmp/ready" ] && break; sleep 0.01; done
  [ -e "$tmp/ready" ] || { kill "$rpid" 2>/dev/null || true; cat "$tmp/err" >&2; rm -rf "$tmp"; die "icmp receiver in $tns did not start"; }
  sent="$(ip netns exec "$fns" "$PY" -c '
import socket, struct, sys, time
def csum(b):
    if len(b) % 2: b += b"\0"
    t = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while t >> 16: t = (t & 0xFFFF) + (t >> 16)
    return ~t & 0xFFFF
src, dst, count, tok = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4].encode()
s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)
s.setsockopt(socket.IPPROTO_IP, socket.IP_HDRINCL, 1)
ok = 0
for i in range(count):
    payload = tok + b" %d" % i
    icmp = struct.pack("!BBHHH", 8, 0, 0, 0x5347, i) + payload
    icmp = icmp[:2] + struct.pack("!H", csum(icmp)) + icmp[4:]
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(icmp), i & 0xFFFF, 0, 64, 1, 0,
                     socket.inet_aton(src), socket.inet_aton(dst))
    try:
        s.sendto(ip + icmp, (dst, 0)); ok += 1
    except OSError:
        pass
    time.sleep(0.005)
print(ok)
' "$tip" "$wip" "$count" "$token")"
  touch "$tmp/done"
  wait "$rpid" || true
  received="$(cat "$tmp/out")"
  rm -rf "$tmp"
  echo "sent=$sent received=${received:-0}"
  [ "${received:-0}" -gt 0 ]
}

usage() { awk 'NR > 1 && /^#/ { print; next } NR > 1 { exit }' "$0"; }

main() {
  local cmd="${1:-}"
  [ -n "$cmd" ] || { usage >&2; exit 2; }
  shift
  case "$cmd" in
    up) cmd_up "$@" ;;
    down) cmd_down "$@" ;;
    fault) cmd_fault "$@" ;;
    print-fault)
      case "${2:-}" in heal|"") die "print-fault needs a fault KIND other than heal" ;; esac
      NETSH_PRINT=1 cmd_fault "$@" ;;
    heal) p="${1:-}"; shift || true; cmd_fault "$p" heal "$@" ;;
    rules) cmd_rules "$@" ;;
    exec) cmd_exec "$@" ;;
    ip) check_prefix "${1:-}"; check_node "${2:-}"; ip_of "$1" "$2" ;;
    udp-probe) cmd_udp_probe "$@" ;;
    relay-probe) cmd_relay_probe "$@" ;;
    list-leftovers) cmd_list_leftovers "$@" ;;
    -h|--help|help) usage ;;
    *) die "unknown command '$cmd' (up, down, fault, print-fault, heal, rules, exec, ip, udp-probe, relay-probe, list-leftovers)" ;;
  esac
}

main "$@"
