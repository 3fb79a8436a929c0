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
# shellcheck source=tests/slurm/lib.sh
. "$(dirname "$0")/lib.sh"
# the SLURM daemons first (together), munged (if up.sh started it) after them
stop_pids $(pid_of "$dir/slurmd.pid" slurmd) $(pid_of "$dir/slurmctld.pid" slurmctld)
stop_pids $(pid_of "$dir/munged.pid" munged)
rm -f "$dir/slurmd.pid" "$dir/slurmctld.pid" "$dir/munged.pid"
exit 0
