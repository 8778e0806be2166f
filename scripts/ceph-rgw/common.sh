# Settings and helpers shared by up.sh and down.sh (sourced, not run). Each setting can be
# overridden from the environment.

CEPH_DATA=${BERTH_CEPH_DATA:-${TMPDIR:-/tmp}/berth-ceph-rgw}
RGW_PORT=${BERTH_CEPH_RGW_PORT:-7480}
MON_PORT=${BERTH_CEPH_MON_PORT:-3300}
S3_ACCESS_KEY_ID=${BERTH_CEPH_ACCESS_KEY_ID:-BERTHTESTACCESSKEY01}
S3_SECRET_ACCESS_KEY=${BERTH_CEPH_SECRET_ACCESS_KEY:-berthTestSecretKey000000000000000000000001}
# Sparse file behind the one OSD: space is only used as data is written.
OSD_SIZE=${BERTH_CEPH_OSD_SIZE:-10G}
# The gateway does not need a manager; WITH_MGR=1 adds one for `ceph -s` statistics.
WITH_MGR=${WITH_MGR:-0}

CONF=$CEPH_DATA/ceph.conf
RUN_DIR=$CEPH_DATA/run
# Marks a folder as this script's, so that a fresh start may wipe it.
OWNER_MARK=$CEPH_DATA/.berth-ceph-rgw
READY_MARK=$CEPH_DATA/ready
S3_ENV=$CEPH_DATA/s3.env

# Daemons as "name binary", in start order.
DAEMONS=("mon.a ceph-mon" "osd.0 ceph-osd" "mgr.x ceph-mgr" "client.rgw.gw radosgw")

# Prints the pid of daemon $1 if its pid file names a live process running binary $2.
daemon_pid() {
  local pid exe
  pid=$(cat "$RUN_DIR/$1.pid" 2>/dev/null) || return 1
  exe=$(readlink "/proc/$pid/exe" 2>/dev/null) || return 1
  case "$exe" in
    */"$2" | */"$2 (deleted)") echo "$pid" ;;
    *) return 1 ;;
  esac
}

# True when something accepts TCP connections on 127.0.0.1:$1.
port_open() {
  (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}
