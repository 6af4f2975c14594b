#!/usr/bin/env bash
# ceph-rgw.sh - a throw-away Ceph RADOS Gateway (S3 with Object Lock) on
# loopback, for Vellum's S3 tests and benchmarks. One monitor, one OSD (in
# RAM by default), one gateway; no systemd, no Docker, no authentication
# between the daemons. Never use it for data you want to keep.
#
#   scripts/ceph-rgw.sh up      install Debian's ceph packages if missing,
#                               start the cluster (idempotent), print settings
#   scripts/ceph-rgw.sh down    stop the daemons by their pid files
#   scripts/ceph-rgw.sh status  exit 0 when the gateway answers
#
# `up` prints only KEY=VALUE lines on stdout (logs go to stderr):
#   eval "$(scripts/ceph-rgw.sh up)"
#   export S3_ENDPOINT S3_REGION S3_ACCESS_KEY S3_SECRET_KEY S3_FORCE_PATH_STYLE
#
# Settings (environment, all optional):
#   CEPH_DIR       everything lives here            (default <repo>/.cache/ceph)
#   CEPH_INSTALL=0 refuse to apt-get install missing packages
#   RGW_PORT       S3 port on 127.0.0.1            (default 7480)
#   MON_PORT       monitor msgr2 port; v1 is +1    (default 3300)
#   OSD_STORE      memstore (RAM) | bluestore (a sparse file under CEPH_DIR)
#   S3_ACCESS_KEY, S3_SECRET_KEY                   (default: fixed test keys)
#   CEPH_RESET=1   start from scratch even when already running
#   CEPH_WIPE=1    (down) delete CEPH_DIR after stopping
#
# Debian 12 ships ceph 16.2 (pacific). Clients must use path-style addressing,
# and the AWS SDK v3 must set requestChecksumCalculation and
# responseChecksumValidation to WHEN_REQUIRED (pacific answers streaming
# uploads with aws-chunked checksums by 411).
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
CEPH_DIR=$(realpath -m "${CEPH_DIR:-$root/.cache/ceph}")
RGW_PORT=${RGW_PORT:-7480}
MON_PORT=${MON_PORT:-3300}
MON_PORT_V1=$((MON_PORT + 1))
OSD_STORE=${OSD_STORE:-memstore}
S3_ACCESS_KEY=${S3_ACCESS_KEY:-VELLUMTESTACCESSKEY1}
S3_SECRET_KEY=${S3_SECRET_KEY:-vellumtestsecretkey00000000000000000000001}
RUN=$CEPH_DIR/run
LOG=$CEPH_DIR/log
CONF=$CEPH_DIR/ceph.conf
ENDPOINT=http://127.0.0.1:$RGW_PORT
DAEMONS=(client.rgw.a osd.0 mon.a) # stop order; start order is the reverse
export CEPH_CONF=$CONF

log() { printf 'ceph-rgw: %s\n' "$*" >&2; }
die() {
  log "error: $*"
  exit 1
}

# A pid is alive when it exists and is not a zombie (a container's PID 1 may reap late).
alive() { kill -0 "$1" 2>/dev/null && [[ $(awk '{print $3}' "/proc/$1/stat" 2>/dev/null) != Z ]]; }
pid_of() { [[ -s $RUN/$1.pid ]] && cat "$RUN/$1.pid"; }
running() {
  local p
  p=$(pid_of "$1") && alive "$p"
}
answers() { curl -fsS -o /dev/null --max-time 2 "$ENDPOINT/" 2>/dev/null; }
port_taken() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

settings() {
  cat <<EOF
S3_ENDPOINT=$ENDPOINT
S3_REGION=us-east-1
S3_ACCESS_KEY=$S3_ACCESS_KEY
S3_SECRET_KEY=$S3_SECRET_KEY
S3_FORCE_PATH_STYLE=true
CEPH_CONF=$CONF
EOF
}

# Stops one daemon by its pid file: TERM, up to 15 s, then KILL.
stop() {
  local name=$1 p
  p=$(pid_of "$name") || return 0
  if alive "$p"; then
    kill -TERM "$p" 2>/dev/null || true
    for _ in $(seq 150); do
      alive "$p" || break
      sleep 0.1
    done
    if alive "$p"; then
      log "$name (pid $p) ignored SIGTERM for 15 s; killing it"
      kill -KILL "$p" 2>/dev/null || true
    fi
    log "$name stopped (pid $p)"
  fi
  rm -f "$RUN/$name.pid"
}

install_packages() {
  local missing=() b
  for b in ceph-mon ceph-osd radosgw radosgw-admin ceph monmaptool uuidgen curl python3; do
    command -v "$b" >/dev/null 2>&1 || missing+=("$b")
  done
  ((${#missing[@]} == 0)) && return 0
  [[ ${CEPH_INSTALL:-1} == 1 ]] || die "missing ${missing[*]}; install: apt-get install --no-install-recommends ceph-mon ceph-osd radosgw ceph-common uuid-runtime curl python3"
  local sudo=()
  if [[ $(id -u) != 0 ]]; then
    command -v sudo >/dev/null 2>&1 || die "missing ${missing[*]} and not root (no sudo) to install them"
    sudo=(sudo)
  fi
  log "installing ceph packages (missing: ${missing[*]})"
  local t0=$SECONDS
  DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --no-install-recommends \
    ceph-mon ceph-osd radosgw ceph-common uuid-runtime curl python3 >&2
  log "installed in $((SECONDS - t0)) s"
}

write_conf() {
  cat >"$CONF" <<EOF
[global]
fsid = $1
mon_host = [v2:127.0.0.1:$MON_PORT,v1:127.0.0.1:$MON_PORT_V1]
public_network = 127.0.0.0/8
cluster_network = 127.0.0.0/8
auth_cluster_required = none
auth_service_required = none
auth_client_required = none
auth_supported = none
# Without authentication there is no session key, so the "secure" messenger
# mode radosgw asks for by default would fail (-13) and hang for 300 s.
ms_mon_client_mode = crc
ms_client_mode = crc
ms_cluster_mode = crc
ms_service_mode = crc
ms_mon_cluster_mode = crc
ms_mon_service_mode = crc
run_dir = $RUN
admin_socket = $RUN/\$name.asok
pid_file = $RUN/\$name.pid
log_file = $LOG/\$name.log
log_to_stderr = false
err_to_stderr = true
crash_dir = $CEPH_DIR/tmp
exporter_sock_dir = $RUN
debug_ms = 0
# One OSD: pools of size 1.
osd_pool_default_size = 1
osd_pool_default_min_size = 1
osd_pool_default_pg_num = 8
osd_pool_default_pgp_num = 8
osd_pool_default_pg_autoscale_mode = off
osd_crush_chooseleaf_type = 0
mon_allow_pool_size_one = true
mon_allow_pool_delete = true
mon_max_pg_per_osd = 1000
mon_warn_on_pool_no_redundancy = false
mon_warn_on_insecure_global_id_reclaim_allowed = false
mon_data_avail_warn = 2
mon_data_avail_crit = 1

[mon]
# radosgw creates its pools one osdmap change at a time; the default 1 s
# proposal interval would make its start take ~8 s instead of ~1 s.
paxos_propose_interval = 0.05
paxos_min_wait = 0.01
mon_data = $CEPH_DIR/mon/\$cluster-\$id
mon_initial_members = a
mon_cluster_log_file = $LOG/cluster.log

[osd]
osd_data = $CEPH_DIR/osd/\$cluster-\$id
osd_objectstore = $OSD_STORE
memstore_device_bytes = 8589934592
bluestore_block_path = $CEPH_DIR/osd/block.\$id
bluestore_block_create = true
bluestore_block_size = 10737418240
bluestore_block_db_create = false
bluestore_block_wal_create = false
bluestore_fsck_on_mkfs = false
bluestore_cache_size = 134217728
osd_memory_target = 939524096
osd_op_num_shards = 1
osd_op_num_threads_per_shard = 2
osd_class_update_on_start = false
osd_crush_update_on_start = true
osd_max_object_name_len = 460
osd_max_object_namespace_len = 64

[client]
rgw_data = $CEPH_DIR/rgw/\$cluster-\$id
rgw_frontends = beast endpoint=127.0.0.1:$RGW_PORT tcp_nodelay=1
rgw_thread_pool_size = 64
rgw_dns_name = localhost
rgw_enable_usage_log = false
rgw_gc_obj_min_wait = 10
rgw_lc_debug_interval = 10
rgw_enable_lc_threads = true
EOF
}

# Polls `cmd` every 0.2 s for up to `tries` times.
wait_for() {
  local tries=$1 what=$2
  shift 2
  for _ in $(seq "$tries"); do
    "$@" && return 0
    sleep 0.2
  done
  die "$what (logs in $LOG)"
}
mon_up() { ceph --connect-timeout 2 -s >/dev/null 2>&1; }
osd_up() {
  [[ $(ceph osd dump -f json 2>/dev/null |
    python3 -c 'import json,sys; print(sum(o["up"] for o in json.load(sys.stdin)["osds"]))' 2>/dev/null) == 1 ]]
}

up() {
  install_packages
  if [[ ${CEPH_RESET:-0} != 1 ]] && running mon.a && running osd.0 && running client.rgw.a && answers; then
    log "already running at $ENDPOINT ($CEPH_DIR)"
    settings
    return 0
  fi
  local n
  for n in "${DAEMONS[@]}"; do stop "$n"; done
  for n in "$RGW_PORT" "$MON_PORT" "$MON_PORT_V1"; do
    port_taken "$n" && die "port $n on 127.0.0.1 is in use (set RGW_PORT / MON_PORT)"
  done

  local t0=$SECONDS fsid osd_uuid osd_id
  wipe

  mkdir -p "$RUN" "$LOG" "$CEPH_DIR"/{mon,osd/ceph-0,rgw,tmp}
  fsid=$(uuidgen)
  write_conf "$fsid"

  log "monitor on 127.0.0.1:$MON_PORT"
  monmaptool --create --clobber --fsid "$fsid" \
    --addv a "[v2:127.0.0.1:$MON_PORT,v1:127.0.0.1:$MON_PORT_V1]" "$CEPH_DIR/tmp/monmap" >/dev/null
  ceph-mon -c "$CONF" --mkfs -i a --monmap "$CEPH_DIR/tmp/monmap" >"$LOG/mon-mkfs.out" 2>&1 ||
    die "ceph-mon --mkfs failed: $(cat "$LOG/mon-mkfs.out")"
  ceph-mon -c "$CONF" -i a || die "ceph-mon did not start"
  wait_for 100 "the monitor did not come up" mon_up

  log "osd ($OSD_STORE)"
  osd_uuid=$(uuidgen)
  osd_id=$(ceph osd new "$osd_uuid")
  [[ $osd_id == 0 ]] || die "expected osd id 0, got '$osd_id'"
  ceph-osd -c "$CONF" -i 0 --mkfs --osd-uuid "$osd_uuid" >"$LOG/osd-mkfs.out" 2>&1 ||
    die "ceph-osd --mkfs failed: $(cat "$LOG/osd-mkfs.out")"
  ceph-osd -c "$CONF" -i 0 2>>"$LOG/osd.0.stderr" || die "ceph-osd did not start"
  wait_for 300 "the osd did not come up" osd_up

  log "gateway on $ENDPOINT"
  radosgw -c "$CONF" -n client.rgw.a || die "radosgw did not start"
  wait_for 600 "radosgw does not answer on $ENDPOINT" answers
  radosgw-admin -c "$CONF" user create --uid=vellum --display-name="Vellum tests" \
    --access-key="$S3_ACCESS_KEY" --secret-key="$S3_SECRET_KEY" >"$LOG/user.json" ||
    die "radosgw-admin user create failed"
  log "ready in $((SECONDS - t0)) s"
  settings
}

# Deletes CEPH_DIR, but only when it holds nothing or a cluster of ours.
wipe() {
  [[ -e $CEPH_DIR ]] || return 0
  if [[ -n $(ls -A "$CEPH_DIR") && ! -f $CONF ]]; then
    die "$CEPH_DIR is not empty and holds no ceph.conf; refusing to delete it"
  fi
  rm -rf "$CEPH_DIR"
}

down() {
  local n
  for n in "${DAEMONS[@]}"; do stop "$n"; done
  if [[ ${CEPH_WIPE:-0} == 1 ]]; then
    wipe
    log "wiped $CEPH_DIR"
  fi
}

case ${1:-} in
up) up ;;
down) down ;;
status) running client.rgw.a && answers ;;
*)
  echo "usage: $0 up|down|status" >&2
  exit 2
  ;;
esac
