#!/usr/bin/env bash
# Installs the Debian packages the namespace lab needs (iproute2, nftables, iputils-ping,
# python3 for the UDP probes, resource-agents for the real OCF agents Dummy and IPaddr2,
# faketime/libfaketime for the wall-clock steps of FAULTS.md F13, systemd-analyze and lintian for the packaging tests).
# Idempotent; prints nothing when everything is already present.
# Runs `apt-get update` at most once per invocation, only when something is missing.
set -euo pipefail

need=()
command -v ip >/dev/null 2>&1 || need+=(iproute2)
command -v nft >/dev/null 2>&1 || need+=(nftables)
command -v ping >/dev/null 2>&1 || need+=(iputils-ping)
[ -x /usr/bin/python3 ] || need+=(python3-minimal)
[ -x /usr/lib/ocf/resource.d/heartbeat/Dummy ] || need+=(resource-agents)
compgen -G '/usr/lib/*/faketime/libfaketime.so.1' >/dev/null || need+=(libfaketime)
command -v faketime >/dev/null 2>&1 || need+=(faketime)
[ -x /usr/sbin/boothd ] || need+=(booth)
[ -x /usr/bin/systemd-analyze ] || need+=(systemd)
command -v lintian >/dev/null 2>&1 || need+=(lintian)
command -v gzip >/dev/null 2>&1 || need+=(gzip)
command -v man >/dev/null 2>&1 || need+=(man-db)

if [ "${#need[@]}" -eq 0 ]; then
  exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
  echo "lab/setup.sh: missing ${need[*]} and not root: cannot install" >&2
  exit 1
fi

log="$(mktemp)"
trap 'rm -f "$log"' EXIT
export DEBIAN_FRONTEND=noninteractive
# Serialise concurrent callers (parallel test runs) on dpkg.
exec 9>/tmp/splitguard-lab-setup.lock
flock 9
# Re-check under the lock: another caller may have installed them meanwhile.
still=()
for p in "${need[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || still+=("$p")
done
if [ "${#still[@]}" -eq 0 ]; then
  exit 0
fi
if ! apt-get update >"$log" 2>&1; then
  cat "$log" >&2
  echo "lab/setup.sh: apt-get update failed" >&2
  exit 1
fi
if ! apt-get install -y --no-install-recommends "${still[@]}" >"$log" 2>&1; then
  cat "$log" >&2
  echo "lab/setup.sh: apt-get install ${still[*]} failed" >&2
  exit 1
fi
for c in ip nft ping; do
  command -v "$c" >/dev/null 2>&1 || { echo "lab/setup.sh: $c still missing after install" >&2; exit 1; }
done
[ -x /usr/lib/ocf/resource.d/heartbeat/Dummy ] || { echo "lab/setup.sh: /usr/lib/ocf/resource.d/heartbeat/Dummy still missing after install" >&2; exit 1; }
compgen -G '/usr/lib/*/faketime/libfaketime.so.1' >/dev/null || { echo "lab/setup.sh: libfaketime.so.1 still missing after install" >&2; exit 1; }
