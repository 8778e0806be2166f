#!/usr/bin/env bash
# Starts a throwaway one-node Ceph cluster whose RADOS Gateway serves S3 on 127.0.0.1, for tests,
# or reuses it when it already runs. Prints the S3 settings as KEY=VALUE lines on stdout (kept in
# $CEPH_DATA/s3.env as well); progress goes to stderr. Stop it with down.sh.
# Needs Debian's ceph-mon ceph-osd radosgw ceph-common python3-rados (and ceph-mgr for WITH_MGR=1).
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$HERE/common.sh"

START_NS=$(date +%s%N)
say() {
  local ms=$((($(date +%s%N) - START_NS) / 1000000))
  printf 'ceph-rgw/up.sh %d.%03ds %s\n' $((ms / 1000)) $((ms % 1000)) "$*" >&2
}
fail() {
  say "error: $*"
  exit 1
}

# Waits up to $1 half-seconds for the command that follows to succeed.
wait_for() {
  local tries=$1
  shift
  until "$@" >/dev/null 2>&1; do
    tries=$((tries - 1))
    [ "$tries" -gt 0 ] || return 1
    sleep 0.5
  done
}

wanted_daemons() {
  local entry
  for entry in "${DAEMONS[@]}"; do
    [ "$WITH_MGR" = 1 ] || [ "${entry%% *}" != mgr.x ] && echo "$entry"
  done
}

all_running() {
  local name binary
  while read -r name binary; do
    daemon_pid "$name" "$binary" >/dev/null || return 1
  done < <(wanted_daemons)
}

gateway_answers() {
  curl -fsS -o /dev/null "http://127.0.0.1:$RGW_PORT/"
}

for binary in ceph-mon ceph-osd radosgw radosgw-admin ceph ceph-authtool monmaptool curl flock; do
  command -v "$binary" >/dev/null || fail "$binary is missing (apt-get install ceph-mon ceph-osd radosgw ceph-common curl)"
done
[ "$WITH_MGR" != 1 ] || command -v ceph-mgr >/dev/null || fail "WITH_MGR=1 needs ceph-mgr"
/usr/bin/python3 -c 'import rados' 2>/dev/null || fail "python3-rados is missing"

# Callers starting at the same time (parallel test workers) queue here; the first one starts.
mkdir -p "$(dirname "$CEPH_DATA")"
exec 9>"$CEPH_DATA.lock"
flock -w 600 9 || fail "timed out waiting for $CEPH_DATA.lock"

if [ -e "$READY_MARK" ] && all_running && gateway_answers; then
  say "reusing the cluster running from $CEPH_DATA"
  cat "$S3_ENV"
  exit 0
fi

# Whatever is left of an earlier cluster (a daemon that died, a start cut short) goes first.
"$HERE/down.sh"
for port in "$MON_PORT" "$RGW_PORT"; do
  ! port_open "$port" || fail "127.0.0.1:$port is taken by another process"
done
if [ -e "$CEPH_DATA" ] && [ ! -e "$OWNER_MARK" ]; then
  fail "$CEPH_DATA exists and was not made by this script; not wiping it"
fi
rm -rf "$CEPH_DATA"
mkdir -p "$RUN_DIR" "$CEPH_DATA/log" "$CEPH_DATA/mon/ceph-a" "$CEPH_DATA/osd/ceph-0" "$CEPH_DATA/mgr/ceph-x"
touch "$OWNER_MARK"
trap 'status=$?; if [ "$status" != 0 ]; then say "start failed; stopping what it started"; "$HERE/down.sh"; fi' EXIT

FSID=$(cat /proc/sys/kernel/random/uuid)
cat >"$CONF" <<CONF
[global]
fsid = $FSID
mon host = v2:127.0.0.1:$MON_PORT
mon initial members = a
public addr = 127.0.0.1
public network = 127.0.0.0/8
ms bind msgr1 = false
keyring = $CEPH_DATA/keyring
run dir = $RUN_DIR
pid file = $RUN_DIR/\$name.pid
admin socket = $RUN_DIR/\$name.asok
log file = $CEPH_DATA/log/\$name.log
crash dir = $CEPH_DATA/crash
# One OSD holds every object once.
osd pool default size = 1
osd pool default min size = 1
osd pool default pg autoscale mode = off
osd crush chooseleaf type = 0
mon allow pool size one = true
mon warn on pool no redundancy = false
mon max pg per osd = 500
# A nearly full disk must not stop the monitor: the data here is disposable.
mon data avail warn = 2
mon data avail crit = 1
# Let the monitor commit changes quickly, which shortens start-up.
paxos propose interval = 0.05

[mon]
mon data = $CEPH_DATA/mon/\$cluster-\$id

[mgr]
mgr data = $CEPH_DATA/mgr/\$cluster-\$id

[osd]
osd data = $CEPH_DATA/osd/\$cluster-\$id
osd objectstore = bluestore
bluestore block create = true
bluestore block size = $OSD_SIZE
osd memory target = 1073741824
bluestore debug enforce settings = ssd

[client.rgw.gw]
rgw frontends = beast endpoint=127.0.0.1:$RGW_PORT
rgw enable usage log = false
# Tests delete what they write: reclaim its space within a minute rather than hours.
rgw gc obj min wait = 10
rgw gc processor period = 30
CONF

# One keyring for every entity: nothing here outlives the tests.
ceph-authtool --create-keyring "$CEPH_DATA/keyring" --gen-key -n mon. --cap mon 'allow *' >/dev/null
ceph-authtool "$CEPH_DATA/keyring" --gen-key -n client.admin \
  --cap mon 'allow *' --cap osd 'allow *' --cap mgr 'allow *' --cap mds 'allow *' >/dev/null
ceph-authtool "$CEPH_DATA/keyring" --gen-key -n osd.0 \
  --cap mon 'allow profile osd' --cap mgr 'allow profile osd' --cap osd 'allow *' >/dev/null
ceph-authtool "$CEPH_DATA/keyring" --gen-key -n mgr.x \
  --cap mon 'allow profile mgr' --cap osd 'allow *' --cap mds 'allow *' >/dev/null
ceph-authtool "$CEPH_DATA/keyring" --gen-key -n client.rgw.gw \
  --cap mon 'allow rw' --cap osd 'allow rwx' --cap mgr 'allow rw' >/dev/null
chmod 600 "$CEPH_DATA/keyring"

# Daemons fork into the background: they get neither our caller's pipes nor the lock.
start_daemon() {
  "$@" -c "$CONF" </dev/null >>"$CEPH_DATA/log/daemons.out" 2>&1 9>&-
}

monmaptool --create --fsid "$FSID" --addv a "[v2:127.0.0.1:$MON_PORT]" "$CEPH_DATA/monmap" >/dev/null
ceph-mon -c "$CONF" --mkfs -i a --monmap "$CEPH_DATA/monmap" --keyring "$CEPH_DATA/keyring" \
  >>"$CEPH_DATA/log/daemons.out" 2>&1
start_daemon ceph-mon -i a
say "monitor started"

# Registering the OSD and creating the gateway's pools up front, in one client session, is much
# faster than one `ceph` command each, and spares the first bucket operations a pool-creation stall.
OSD_UUID=$(cat /proc/sys/kernel/random/uuid)
CONF=$CONF OSD_UUID=$OSD_UUID timeout 120 /usr/bin/python3 - <<'PY' || fail "monitor commands failed"
import json, os, rados

cluster = rados.Rados(conffile=os.environ["CONF"], name="client.admin")
cluster.connect(timeout=60)

def command(**args):
    status, _, error = cluster.mon_command(json.dumps(args), b"")
    if status != 0:
        raise SystemExit(f"{args['prefix']}: {error}")

command(prefix="osd new", uuid=os.environ["OSD_UUID"], id=0)
for pool in (".rgw.root", "default.rgw.control", "default.rgw.meta", "default.rgw.log",
             "default.rgw.buckets.index", "default.rgw.buckets.data", "default.rgw.buckets.non-ec"):
    command(prefix="osd pool create", pool=pool, pg_num=8, pgp_num=8)
    command(prefix="osd pool application enable", pool=pool, app="rgw")
cluster.shutdown()
PY
say "OSD registered, gateway pools created"

ceph-osd -c "$CONF" -i 0 --mkfs --osd-uuid "$OSD_UUID" >>"$CEPH_DATA/log/daemons.out" 2>&1 ||
  fail "OSD mkfs failed (see $CEPH_DATA/log)"
start_daemon ceph-osd -i 0
if [ "$WITH_MGR" = 1 ]; then
  start_daemon ceph-mgr -i x
  say "manager started"
fi
osd_up() {
  ceph -c "$CONF" --connect-timeout 10 osd dump 2>/dev/null | grep -q '^osd\.0 up'
}
wait_for 120 osd_up || fail "OSD did not come up (see $CEPH_DATA/log/osd.0.log)"
say "OSD up"

start_daemon radosgw -n client.rgw.gw
wait_for 240 gateway_answers || fail "gateway silent on 127.0.0.1:$RGW_PORT (see $CEPH_DATA/log)"
say "gateway answering on 127.0.0.1:$RGW_PORT"

radosgw-admin -c "$CONF" user create --uid=berth-test --display-name="Berth tests" \
  --access-key="$S3_ACCESS_KEY_ID" --secret-key="$S3_SECRET_ACCESS_KEY" >/dev/null
cat >"$S3_ENV" <<ENV
S3_ENDPOINT=http://127.0.0.1:$RGW_PORT
S3_REGION=us-east-1
S3_ACCESS_KEY_ID=$S3_ACCESS_KEY_ID
S3_SECRET_ACCESS_KEY=$S3_SECRET_ACCESS_KEY
ENV
touch "$READY_MARK"
say "ready"
cat "$S3_ENV"
