#!/usr/bin/env bash
# Stops and removes the test cluster that tests/slurm/cluster-up.sh DIR made:
# cancels its jobs, stops slurmd (each node), slurmctld, slurmdbd, mariadbd and
# (if the up script started it) munged by the pids in their pid files, kills
# whatever still runs inside the cluster's namespaces, and deletes the
# namespaces (their veths and the bridge go with them). Safe to run twice, and
# after an up script that stopped half-way.
set -uo pipefail
dir=${1:?usage: tests/slurm/cluster-down.sh DIR}
here=$(cd "$(dirname "$0")" && pwd)
export PATH=$PATH:/usr/sbin:/sbin
# shellcheck source=tests/slurm/lib.sh
. "$here/lib.sh"
if [ -f "$dir/names" ] && [ -x "$dir/run" ] && [ -n "$(pid_of "$dir/slurmctld.pid" slurmctld)" ]; then
    timeout 10 "$dir/run" scancel --full --quiet --user="$(id -un)" 2>/dev/null || true
fi
slurmds=()
for f in "$dir"/slurmd-*.pid; do
    [ -e "$f" ] && slurmds+=($(pid_of "$f" slurmd))
done
stop_pids "${slurmds[@]}" $(pid_of "$dir/slurmctld.pid" slurmctld)
stop_pids $(pid_of "$dir/slurmdbd.pid" slurmdbd)
stop_pids $(pid_of "$dir/mariadb.pid" mariadbd)
# anything left inside our namespaces (job steps, tasks) is ours
if [ -f "$dir/netns" ]; then
    while read -r ns; do
        [ -n "$ns" ] || continue
        pids=$(ip netns pids "$ns" 2>/dev/null)
        # shellcheck disable=SC2086
        [ -z "$pids" ] || kill -KILL $pids 2>/dev/null
    done <"$dir/netns"
    sleep 0.2
    while read -r ns; do
        [ -n "$ns" ] || continue
        ip netns del "$ns" 2>/dev/null || true
    done <"$dir/netns"
fi
stop_pids $(pid_of "$dir/munged.pid" munged)
rm -f "$dir"/slurmd-*.pid "$dir/slurmctld.pid" "$dir/slurmdbd.pid" "$dir/mariadb.pid" \
    "$dir/munged.pid" "$dir/netns" "$dir/names"
exit 0
