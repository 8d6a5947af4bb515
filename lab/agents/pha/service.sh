#!/bin/sh
# A pha-style resource script for SplitGuard's agent tests: called with start, stop or check, exit code 0
# for success (check: 0 = running, anything else = not running). Its "service" is a sleep process whose pid
# is kept in $OCF_RESKEY_statedir (SplitGuard passes a resource's params as OCF_RESKEY_*), by default
# /run/splitguard-pha.

STATEDIR="${OCF_RESKEY_statedir:-/run/splitguard-pha}"
PIDFILE="$STATEDIR/${OCF_RESOURCE_INSTANCE:-service}.pid"

running() {
  [ -f "$PIDFILE" ] && kill -0 "$(cat "$PIDFILE")" 2>/dev/null
}

case "${1:-}" in
  start)
    running && exit 0
    mkdir -p "$STATEDIR" || exit 1
    sleep 100000 </dev/null >/dev/null 2>&1 &
    echo "$!" > "$PIDFILE" || exit 1
    exit 0
    ;;
  stop)
    if running; then
      kill "$(cat "$PIDFILE")" 2>/dev/null
      i=0
      while running && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
      running && exit 1
    fi
    rm -f "$PIDFILE"
    exit 0
    ;;
  check)
    running && exit 0
    exit 1
    ;;
  *)
    echo "usage: $0 {start|stop|check}" >&2
    exit 2
    ;;
esac
