#!/usr/bin/env bash
# Brings up a private multi-node SLURM cluster on this one machine, without
# systemd: slurmctld + slurmdbd (accounting in a private MariaDB) on a "head"
# node and N slurmd compute nodes, each in its own network namespace and UTS
# namespace (own address, own hostname), joined by veth pairs to a bridge in
# the head's namespace.
#
#   tests/slurm/cluster-up.sh DIR [NODES]   # default 3 nodes; all state under DIR
#   DIR/run CMD...                 # run CMD on the head node (sbatch, squeue,
#                                  # ./driftlab sweep --backend slurm, ...)
#   tests/slurm/node.sh DIR kill node2    # the node dies (every process on it)
#   tests/slurm/node.sh DIR start node2   # ... and boots again
#   tests/slurm/cluster-down.sh DIR       # stops and removes all of it
#
# Addresses come from the loopback range only (127.A.B.0/24, one per DIR):
# each namespace gets net.ipv4.conf.all.route_localnet=1 and its lo keeps just
# 127.0.0.1/32, so 127.A.B.x is routed over the veths. Nothing leaves the
# namespaces this script creates. The repository and results directories are
# simply the host's filesystem, which every node sees (as NFS would give).
#
# MAX_ARRAY_SIZE (env, default 16) sets MaxArraySize, so that tests see sweeps
# split into several arrays. JobRequeue=0: a task on a node that dies ends as
# NODE_FAIL instead of being requeued automatically (sbatch --requeue asks).
#
# Exit status: 0 up; 77 this cannot work on this machine (no root, no network
# namespaces, packages unavailable) -- the caller may skip, with the reason
# printed last on stderr; anything else is a failure, with the logs printed.
set -euo pipefail

dir=${1:?usage: tests/slurm/cluster-up.sh DIR [NODES]}
nodes=${2:-3}
mkdir -p "$dir"
dir=$(cd "$dir" && pwd)
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/slurm/lib.sh
. "$here/lib.sh"
export PATH=$PATH:/usr/sbin:/sbin
t0=$(date +%s)

[ "$(id -u)" -eq 0 ] || unavailable "network namespaces and the daemons need root"
case "$nodes" in [1-9]) ;; *) fail "NODES must be 1..9, not '$nodes'" ;; esac
ensure_packages slurmctld slurmd slurm-client slurmdbd munge mariadb-server iproute2
for b in ip unshare nsenter hostname mariadbd mariadb-install-db slurmdbd; do
    command -v "$b" >/dev/null || unavailable "$b is not installed"
done
err=$(unshare --uts hostname probe 2>&1) \
    || unavailable "UTS namespaces are not available here (unshare --uts: $err)"
[ -f "$dir/names" ] && fail "$dir already holds a cluster (tests/slurm/cluster-down.sh $dir first)"

# ---- names and addresses, derived from DIR so that two clusters coexist ------
h=$(printf %s "$dir" | md5sum | cut -c1-8)
p="dl${h:0:5}"                               # namespace / interface prefix
net="127.$((16 + 0x${h:0:2} % 200)).$((0x${h:2:2}))"      # 127.A.B.0/24
head_ns="$p-head"
head_addr="$net.1"
cluster="dl$h"
{
    echo "prefix=$p"
    echo "head_ns=$head_ns"
    echo "head_addr=$head_addr"
    echo "cluster=$cluster"
    echo "node_names=\"$(seq -s ' ' -f 'node%g' 1 "$nodes")\""
    for i in $(seq "$nodes"); do echo "node${i}_ns=$p-n$i"; echo "node${i}_addr=$net.$((10 + i))"; done
} >"$dir/names"
# shellcheck source=/dev/null
. "$dir/names"

# ---- network -------------------------------------------------------------
# What is created is listed in DIR/netns before it exists, so that
# cluster-down.sh removes it even if this script stops half-way.
ns_setup() {   # ns addr dev: loopback-range routing inside the namespace
    local ns=$1 addr=$2 dev=$3
    ip netns exec "$ns" sysctl -qw net.ipv4.conf.all.route_localnet=1
    ip -n "$ns" link set lo up
    # lo would claim all of 127/8 as local; keep only 127.0.0.1 on it
    ip -n "$ns" addr del 127.0.0.1/8 dev lo 2>/dev/null || true
    ip -n "$ns" addr add 127.0.0.1/32 dev lo 2>/dev/null || true
    ip -n "$ns" addr add "$addr/24" dev "$dev"
    ip -n "$ns" link set "$dev" up
}
echo "$head_ns" >>"$dir/netns"
if ! err=$(ip netns add "$head_ns" 2>&1); then
    sed -i "/^$head_ns\$/d" "$dir/netns"
    rm -f "$dir/names"
    unavailable "network namespaces are not available here (ip netns add: $err)"
fi
ip -n "$head_ns" link add br0 type bridge
ns_setup "$head_ns" "$head_addr" br0
for i in $(seq "$nodes"); do
    ns="$p-n$i"
    echo "$ns" >>"$dir/netns"
    ip netns add "$ns"
    ip link add "$p-v$i" type veth peer name "$p-w$i"
    ip link set "$p-v$i" netns "$head_ns"
    ip link set "$p-w$i" netns "$ns"
    ip -n "$head_ns" link set "$p-v$i" master br0
    ip -n "$head_ns" link set "$p-v$i" up
    ip -n "$ns" link set "$p-w$i" name eth0
    ns_setup "$ns" "$net.$((10 + i))" eth0
done
# every node reaches the head: a connection to a closed port there is refused
# (not unreachable) only if the veth, bridge and route_localnet all work
for i in $(seq "$nodes"); do
    ip netns exec "$p-n$i" /usr/bin/python3 -c '
import socket, sys
try:
    socket.create_connection((sys.argv[1], 1), timeout=3)
except ConnectionRefusedError:
    sys.exit(0)
except OSError as e:
    sys.exit(f"connect to {sys.argv[1]}: {e}")
' "$head_addr" || fail "node$i cannot reach the head at $head_addr over its veth"
done
ensure_munged      # its socket is a file: every namespace reaches it

# ---- accounting: a private MariaDB (unix socket only) and slurmdbd ----------
mkdir -p "$dir/mysql" "$dir/state" "$dir/spool"
sock="$dir/mysql.sock"
mariadb-install-db --no-defaults --datadir="$dir/mysql" --user=root --skip-test-db \
    --auth-root-authentication-method=socket >"$dir/mariadb-install.log" 2>&1 \
    || fail "mariadb-install-db failed (see $dir/mariadb-install.log)"
nsenter --net=/run/netns/"$head_ns" mariadbd --no-defaults --datadir="$dir/mysql" --socket="$sock" \
    --pid-file="$dir/mariadb.pid" --skip-networking --user=root --log-error="$dir/mariadb.log" \
    --innodb-buffer-pool-size=32M --innodb-log-file-size=16M --skip-log-bin \
    >/dev/null 2>&1 &
for _ in $(seq 300); do
    mariadb --no-defaults --socket="$sock" -u root -e "select 1" >/dev/null 2>&1 && break
    sleep 0.1
done
mariadb --no-defaults --socket="$sock" -u root -e "select 1" >/dev/null 2>&1 \
    || fail "mariadbd did not answer on $sock"
log "mariadb up ($(cat "$dir/mariadb.pid"))"

cat >"$dir/slurmdbd.conf" <<EOF
# written by tests/slurm/cluster-up.sh
AuthType=auth/munge
DbdHost=head
DbdAddr=$head_addr
DbdPort=6819
SlurmUser=root
PidFile=$dir/slurmdbd.pid
LogFile=$dir/slurmdbd.log
StorageType=accounting_storage/mysql
StorageHost=localhost
StorageUser=root
StorageLoc=slurm_acct_$h
EOF
chmod 600 "$dir/slurmdbd.conf"

# ---- slurm.conf -------------------------------------------------------------
hw=$(slurmd -C | head -n 1)          # NodeName=... CPUs=... RealMemory=...
case "$hw" in NodeName=*) ;; *) fail "slurmd -C printed: $hw" ;; esac
hw=${hw#NodeName=* }
cat >"$dir/slurm.conf" <<EOF
# $nodes-node test cluster written by tests/slurm/cluster-up.sh
ClusterName=$cluster
SlurmctldHost=head($head_addr)
SlurmUser=root
SlurmdUser=root
SlurmctldPort=6817
SlurmdPort=6818
AuthType=auth/munge
# a requeued job may start again after cred_expire s (default 120)
AuthInfo=cred_expire=10
CryptoType=crypto/munge
StateSaveLocation=$dir/state
SlurmdSpoolDir=$dir/spool/%n
SlurmctldPidFile=$dir/slurmctld.pid
SlurmdPidFile=$dir/slurmd-%n.pid
SlurmctldLogFile=$dir/slurmctld.log
SlurmdLogFile=$dir/slurmd-%n.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
SchedulerType=sched/backfill
SchedulerParameters=batch_sched_delay=0
MpiDefault=none
SwitchType=switch/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/slurmdbd
AccountingStorageHost=$head_addr
AccountingStoragePort=6819
JobCompType=jobcomp/none
MaxArraySize=${MAX_ARRAY_SIZE:-16}
JobRequeue=0
ReturnToService=2
MinJobAge=600
SlurmdTimeout=10
MessageTimeout=5
InactiveLimit=0
KillWait=5
EOF
for i in $(seq "$nodes"); do
    echo "NodeName=node$i NodeAddr=$net.$((10 + i)) $hw State=UNKNOWN" >>"$dir/slurm.conf"
done
echo "PartitionName=debug Nodes=ALL Default=YES MaxTime=INFINITE State=UP" >>"$dir/slurm.conf"
export SLURM_CONF=$dir/slurm.conf

# DIR/run CMD: CMD on the head node, with this cluster's SLURM_CONF
cat >"$dir/run" <<EOF
#!/bin/sh
# run a command on the head node of the test cluster in $dir
exec nsenter --net=/run/netns/$head_ns unshare --uts sh -c 'hostname head; SLURM_CONF=$dir/slurm.conf exec "\$@"' run "\$@"
EOF
chmod 755 "$dir/run"
echo "export SLURM_CONF=$SLURM_CONF" >"$dir/env"

# ---- daemons ----------------------------------------------------------------
nsenter --net=/run/netns/"$head_ns" unshare --uts env MYSQL_UNIX_PORT="$sock" sh -c "hostname head; exec slurmdbd" \
    || fail "slurmdbd did not start"
for _ in $(seq 150); do
    "$dir/run" sacctmgr -n list cluster >/dev/null 2>&1 && break
    sleep 0.2
done
"$dir/run" sacctmgr -n list cluster >/dev/null 2>&1 || fail "slurmdbd does not answer sacctmgr"
"$dir/run" sacctmgr -i add cluster "$cluster" >/dev/null || fail "sacctmgr add cluster failed"
log "slurmdbd up ($(cat "$dir/slurmdbd.pid"))"
nsenter --net=/run/netns/"$head_ns" unshare --uts sh -c "hostname head; exec slurmctld" \
    || fail "slurmctld did not start"
for i in $(seq "$nodes"); do
    "$here/node.sh" "$dir" start "node$i" || fail "slurmd on node$i did not start"
done
states=""
for _ in $(seq 200); do
    states=$("$dir/run" sinfo -h -N -o %T 2>/dev/null | sort | uniq -c | tr -s ' ' || true)
    [ "$states" = " $nodes idle" ] && break
    sleep 0.2
done
[ "$states" = " $nodes idle" ] || fail "the $nodes nodes did not all become idle (sinfo:${states:- nothing})"
log "up: head $head_addr, nodes $("$dir/run" sinfo -h -N -o '%N' | tr '\n' ' ')idle after $(( $(date +%s) - t0 )) s"
echo "$dir/run"
