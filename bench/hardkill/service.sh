#!/bin/sh
# The benchmark's resource (a pha-style script: start, stop, check). Its service is 100 processes that leave the
# agent's session: one setsid shell that starts 99 sleeps and then becomes the 100th.
state="${OCF_RESKEY_state:?state is required}"
case "$1" in
  start)
    setsid sh -c 'i=0; while [ $i -lt 99 ]; do sleep 1000 & i=$((i+1)); done; exec sleep 1000' </dev/null >/dev/null 2>&1 &
    touch "$state"
    ;;
  stop)
    rm -f "$state"
    ;;
  check)
    [ -f "$state" ]
    ;;
esac
