#!/usr/bin/env bash
# Brings up a private single-node SLURM cluster for tests, without systemd:
#
#   tests/slurm/up.sh DIR      # config, state, logs and pid files all under DIR
#   export SLURM_CONF=DIR/slurm.conf   (also written to DIR/env)
#   ... sbatch / squeue ...
#   tests/slurm/down.sh DIR    # stops what this script started (by pid file)
#
# Installs the Debian packages (slurmctld slurmd slurm-client munge) itself
# when they are missing; they are needed for this test only.
# Exit status: 0 up; 77 SLURM cannot be had on this machine at all (not
# Debian/apt, or missing packages and not root) -- the caller may skip;
# anything else is a failure to report (with the logs printed).
set -euo pipefail

dir=${1:?usage: tests/slurm/up.sh DIR}
mkdir -p "$dir"
dir=$(cd "$dir" && pwd)
# shellcheck source=tests/slurm/lib.sh
. "$(dirname "$0")/lib.sh"

ensure_packages slurmctld slurmd slurm-client munge
export PATH=$PATH:/usr/sbin:/sbin
[ "$(id -u)" -eq 0 ] || unavailable "the daemons must be started as root (SlurmUser=root)"
ensure_munged

# ---- configuration ---------------------------------------------------------
node=$(hostname -s)
hw=$(slurmd -C | head -n 1)          # NodeName=... CPUs=... RealMemory=...
case "$hw" in NodeName=*) ;; *) fail "slurmd -C printed: $hw" ;; esac
hw=${hw#NodeName=* }                 # drop slurmd's idea of the name; use hostname -s
read -r p1 p2 < <(/usr/bin/python3 - <<'EOF'
import socket
s = [socket.socket() for _ in range(2)]
for x in s:
    x.bind(("127.0.0.1", 0))
print(*(x.getsockname()[1] for x in s))
EOF
)
mkdir -p "$dir/state" "$dir/spool"
cat >"$dir/slurm.conf" <<EOF
# single-node test cluster written by tests/slurm/up.sh
ClusterName=driftlabci
SlurmctldHost=$node(127.0.0.1)
SlurmUser=root
SlurmdUser=root
SlurmctldPort=$p1
SlurmdPort=$p2
AuthType=auth/munge
CryptoType=crypto/munge
StateSaveLocation=$dir/state
SlurmdSpoolDir=$dir/spool
SlurmctldPidFile=$dir/slurmctld.pid
SlurmdPidFile=$dir/slurmd.pid
SlurmctldLogFile=$dir/slurmctld.log
SlurmdLogFile=$dir/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
SchedulerType=sched/backfill
SchedulerParameters=batch_sched_delay=0
MpiDefault=none
SwitchType=switch/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
ReturnToService=2
MinJobAge=600
SlurmdTimeout=60
InactiveLimit=0
KillWait=5
NodeName=$node NodeAddr=127.0.0.1 $hw State=UNKNOWN
PartitionName=debug Nodes=$node Default=YES MaxTime=INFINITE State=UP
EOF
echo "export SLURM_CONF=$dir/slurm.conf" >"$dir/env"
export SLURM_CONF=$dir/slurm.conf

# ---- daemons -----------------------------------------------------------------
slurmctld -f "$SLURM_CONF" || fail "slurmctld did not start"
slurmd -f "$SLURM_CONF" || fail "slurmd did not start"
state=""
for i in $(seq 150); do
    state=$(sinfo -h -n "$node" -o %T 2>/dev/null | head -n 1 || true)
    case "$state" in
        idle|mixed|allocated) break ;;
        down*|drain*|unknown*) [ $((i % 10)) -eq 0 ] && scontrol update NodeName="$node" State=RESUME 2>/dev/null || true ;;
    esac
    sleep 0.2
done
case "$state" in
    idle|mixed|allocated) ;;
    *) fail "node $node did not become idle (state '${state:-none}')" ;;
esac
log "up: node $node $state; SLURM_CONF=$SLURM_CONF"
echo "export SLURM_CONF=$SLURM_CONF"
