#!/usr/bin/env bash
# A compute node of the test cluster that tests/slurm/cluster-up.sh DIR made:
#
#   tests/slurm/node.sh DIR kill NODE    # the node dies: SIGKILL to every process
#                                        # in its namespace (slurmd, slurmstepd,
#                                        # the running tasks and their emulators)
#   tests/slurm/node.sh DIR start NODE   # it boots again: a new slurmd (with
#                                        # ReturnToService=2 it rejoins by itself)
#   tests/slurm/node.sh DIR pids NODE    # the processes running on it
set -euo pipefail
dir=${1:?usage: tests/slurm/node.sh DIR kill|start|pids NODE}
what=${2:?usage: tests/slurm/node.sh DIR kill|start|pids NODE}
node=${3:?usage: tests/slurm/node.sh DIR kill|start|pids NODE}
export PATH=$PATH:/usr/sbin:/sbin
[ -f "$dir/names" ] || { echo "node.sh: $dir holds no test cluster" >&2; exit 1; }
# shellcheck source=/dev/null
. "$dir/names"
case " $node_names " in *" $node "*) ;; *) echo "node.sh: no node '$node' (nodes: $node_names)" >&2; exit 1 ;; esac
nsvar="${node}_ns"
ns=${!nsvar}
case "$what" in
    pids)
        ip netns pids "$ns"
        ;;
    kill)
        # repeat: a process may fork while we kill its siblings
        for _ in 1 2 3 4 5; do
            pids=$(ip netns pids "$ns")
            [ -n "$pids" ] || break
            # shellcheck disable=SC2086
            kill -KILL $pids 2>/dev/null || true
            sleep 0.1
        done
        [ -z "$(ip netns pids "$ns")" ] || { echo "node.sh: processes survive on $node" >&2; exit 1; }
        rm -f "$dir/slurmd-$node.pid"
        echo "node.sh: $node is down (every process on it killed)" >&2
        ;;
    start)
        mkdir -p "$dir/spool/$node"
        SLURM_CONF=$dir/slurm.conf nsenter --net=/run/netns/"$ns" unshare --uts \
            sh -c "hostname $node; exec slurmd -f '$dir/slurm.conf'"
        for _ in $(seq 50); do [ -s "$dir/slurmd-$node.pid" ] && break; sleep 0.1; done
        [ -s "$dir/slurmd-$node.pid" ] || { echo "node.sh: slurmd on $node wrote no pid file" >&2; exit 1; }
        ;;
    *)
        echo "node.sh: kill, start or pids, not '$what'" >&2
        exit 1
        ;;
esac
