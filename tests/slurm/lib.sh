# Shared by tests/slurm/up.sh (one node) and tests/slurm/cluster-up.sh (several
# nodes in network namespaces): logging, Debian packages, munged. Source it
# after setting $dir (where logs, pid files and the apt log go).

log() { echo "slurm-up: $*" >&2; }
# exit 77 = "cannot be had on this machine at all": callers may skip the test
unavailable() { log "UNAVAILABLE: $*"; exit 77; }
fail() {
    log "FAILED: $*"
    local f
    for f in "$dir"/*.log; do
        [ -f "$f" ] && [ "$(basename "$f")" != apt.log ] \
            && { echo "---- $f (tail)" >&2; tail -n 30 "$f" >&2; }
    done
    exit 1
}

# ensure_packages PKG...: installs what is missing (apt-get, as root or sudo -n)
ensure_packages() {
    local p missing=() sudo=""
    if ! command -v dpkg-query >/dev/null; then
        for p in slurmctld slurmd sbatch munged; do
            command -v "$p" >/dev/null || PATH=$PATH:/usr/sbin command -v "$p" >/dev/null \
                || unavailable "no dpkg and no $p: not a Debian machine with SLURM"
        done
        return 0
    fi
    for p in "$@"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
    done
    [ ${#missing[@]} -gt 0 ] || return 0
    command -v apt-get >/dev/null || unavailable "packages ${missing[*]} missing and no apt-get"
    if [ "$(id -u)" -ne 0 ]; then
        sudo -n true 2>/dev/null || unavailable "packages ${missing[*]} missing; not root and no sudo"
        sudo="sudo -n"
    fi
    log "installing ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    if ! $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >"$dir/apt.log" 2>&1; then
        $sudo apt-get update -qq >>"$dir/apt.log" 2>&1 || true
        $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >>"$dir/apt.log" 2>&1 \
            || { tail -n 20 "$dir/apt.log" >&2; fail "apt-get install ${missing[*]} failed"; }
    fi
}

# ensure_munged: a working munged; if this call started it, its pid goes to
# $dir/munged.pid so that the matching down script stops it (and only then).
ensure_munged() {
    if munge -n 2>/dev/null | unmunge >/dev/null 2>&1; then
        log "munged already running"
        return 0
    fi
    [ -s /etc/munge/munge.key ] || {
        log "creating /etc/munge/munge.key"
        mungekey --create --keyfile=/etc/munge/munge.key 2>/dev/null \
            || dd if=/dev/urandom of=/etc/munge/munge.key bs=1 count=128 status=none
        chown munge:munge /etc/munge/munge.key
        chmod 400 /etc/munge/munge.key
    }
    install -d -o munge -g munge -m 0755 /run/munge
    install -d -o munge -g munge -m 0700 /var/lib/munge /var/log/munge
    runuser -u munge -- /usr/sbin/munged || fail "munged did not start (see /var/log/munge/munged.log)"
    local _
    for _ in $(seq 50); do
        munge -n 2>/dev/null | unmunge >/dev/null 2>&1 && break
        sleep 0.1
    done
    munge -n | unmunge >/dev/null || fail "munge round trip fails after starting munged"
    cp /run/munge/munged.pid "$dir/munged.pid"    # ours: the down script stops it
    log "started munged (pid $(cat "$dir/munged.pid"))"
}

# pid_of PIDFILE NAME: the pid in PIDFILE if that process is still NAME
pid_of() {
    local f=$1 name=$2 pid
    [ -s "$f" ] || return 0
    pid=$(tr -dc 0-9 <"$f")
    [ -n "$pid" ] && [ "$(cat /proc/"$pid"/comm 2>/dev/null)" = "$name" ] && echo "$pid"
    return 0
}

# stop_pids PID...: SIGTERM together, wait up to 10 s, then SIGKILL
stop_pids() {
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
    return 0
}
