#!/usr/bin/env bash
# Installs the Debian packages the lab benchmarks need, beyond lab/setup.sh's (iproute2, nftables,
# iputils-ping, python3, resource-agents): keepalived (the VRRP baseline), corosync + pacemaker (the
# cluster-stack baseline; crmsh/pcs are not needed: the benchmark writes the CIB with cibadmin and
# crm_attribute), faketime (libfaketime, for the wall-clock fault of bench/faults).
#   bench/setup.sh [keepalived] [pacemaker] [faketime]     (default: all three; as root; idempotent;
#                                                           `apt-get update` at most once, only when something is missing)
# The packages' own services are never started here: a policy-rc.d refuses every start during the install.
set -euo pipefail
cd "$(dirname "$0")/.."
lab/setup.sh
want=("$@")
(( ${#want[@]} )) || want=(keepalived pacemaker faketime)
need=()
for w in "${want[@]}"; do
  case $w in
    keepalived) command -v keepalived >/dev/null 2>&1 || need+=(keepalived) ;;
    pacemaker)
      command -v corosync >/dev/null 2>&1 || need+=(corosync)
      [ -x /usr/sbin/pacemakerd ] && command -v cibadmin >/dev/null 2>&1 || need+=(pacemaker pacemaker-cli-utils) ;;
    faketime) [ -e /usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1 ] || need+=(faketime libfaketime) ;;
    *) echo "bench/setup.sh: unknown component $w (keepalived, pacemaker, faketime)" >&2; exit 2 ;;
  esac
done
[ "${#need[@]}" -eq 0 ] && exit 0
[[ $(id -u) -eq 0 ]] || { echo "bench/setup.sh: missing ${need[*]} and not root: cannot install" >&2; exit 1; }

export DEBIAN_FRONTEND=noninteractive
exec 9>/tmp/splitguard-lab-setup.lock
flock 9
log=$(mktemp)
# Do not let the packages start their daemons on this host (no systemd here; and they must only run in the lab).
policy=/usr/sbin/policy-rc.d
had_policy=0; [ -e "$policy" ] && had_policy=1
if (( ! had_policy )); then printf '#!/bin/sh\nexit 101\n' >"$policy"; chmod 755 "$policy"; fi
cleanup() { rm -f "$log"; (( had_policy )) || rm -f "$policy"; }
trap cleanup EXIT
if ! apt-get update >"$log" 2>&1; then cat "$log" >&2; echo "bench/setup.sh: apt-get update failed" >&2; exit 1; fi
if ! apt-get install -y --no-install-recommends "${need[@]}" >"$log" 2>&1; then
  cat "$log" >&2; echo "bench/setup.sh: apt-get install ${need[*]} failed" >&2; exit 1
fi
