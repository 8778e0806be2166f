#!/usr/bin/env bash
# Stops the Ceph daemons that up.sh started, found by their pid files, and nothing else.
#   down.sh            stop; the data folder stays until the next fresh start wipes it
#   down.sh --purge    stop and delete the data folder
set -uo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$HERE/common.sh"

# Stop in reverse start order, so no daemon loses a peer it still talks to.
for ((i = ${#DAEMONS[@]} - 1; i >= 0; i--)); do
  read -r name binary <<<"${DAEMONS[$i]}"
  if pid=$(daemon_pid "$name" "$binary"); then
    kill -TERM "$pid"
    for _ in $(seq 50); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.2
    done
    if kill -0 "$pid" 2>/dev/null; then
      echo "ceph-rgw/down.sh: $name (pid $pid) ignored SIGTERM for 10 s; killing it" >&2
      kill -KILL "$pid"
    fi
    echo "ceph-rgw/down.sh: stopped $name (pid $pid)" >&2
  fi
  rm -f "$RUN_DIR/$name.pid"
done
rm -f "$READY_MARK"

if [ "${1:-}" = "--purge" ] && [ -e "$OWNER_MARK" ]; then
  rm -rf "$CEPH_DATA"
  echo "ceph-rgw/down.sh: removed $CEPH_DATA" >&2
fi
