#!/usr/bin/env bash
# Stops the test cluster that tests/slurm/up.sh DIR started: cancels its jobs,
# then ends slurmd, slurmctld and (if up.sh started it) munged, each by the
# pid in its pid file under DIR and only if that pid is still that daemon.
set -uo pipefail
dir=${1:?usage: tests/slurm/down.sh DIR}
export PATH=$PATH:/usr/sbin:/sbin
if [ -f "$dir/slurm.conf" ] && [ -f "$dir/slurmctld.pid" ]; then
    SLURM_CONF=$dir/slurm.conf timeout 10 scancel --full --quiet --user="$(id -un)" 2>/dev/null || true
fi
pid_of() {   # pidfile expected-command-name: the pid, if it is still that daemon
    local f=$1 name=$2 pid
    [ -s "$f" ] || return 0
    pid=$(tr -dc 0-9 <"$f")
    [ -n "$pid" ] && [ "$(cat /proc/"$pid"/comm 2>/dev/null)" = "$name" ] && echo "$pid"
    return 0
}
stop() {   # pid... : SIGTERM together, wait up to 10 s, then SIGKILL
    local pid left
    [ $# -gt 0 ] || return 0
    kill -TERM "$@" 2>/dev/null
    for _ in $(seq 100); do
        left=""
        for pid in "$@"; do [ -d /proc/"$pid" ] && left="$left $pid"; done
        [ -n "$left" ] || return 0
        sleep 0.1
    done
    echo "slurm-down: pid(s)$left ignored SIGTERM; SIGKILL" >&2
    # shellcheck disable=SC2086
    kill -KILL $left 2>/dev/null
}
# the SLURM daemons first (together), munged (if up.sh started it) after them
stop $(pid_of "$dir/slurmd.pid" slurmd) $(pid_of "$dir/slurmctld.pid" slurmctld)
stop $(pid_of "$dir/munged.pid" munged)
rm -f "$dir/slurmd.pid" "$dir/slurmctld.pid" "$dir/munged.pid"
exit 0
