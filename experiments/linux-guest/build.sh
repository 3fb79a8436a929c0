#!/usr/bin/env bash
# Builds the Linux guest of the seed's experiment from Debian packages only:
#   OUT/zImage                 Linux 6.1 (linux-source-6.1), versatile_defconfig + kernel.config
#   OUT/versatile-pb.dtb       the stock device tree
#   OUT/versatile-pb-sd.dtb    the same with MMCI0 wired as QEMU wires it (see below)
#   OUT/initramfs.cpio.gz      busybox-static, stress, fio (+ its libraries), our /init
#   OUT/manifest.txt           every input's version and every output's sha256
#
# Reproducible: fixed KBUILD_BUILD_* values, sorted cpio with zero mtimes and
# owners, gzip -n; the same inputs give the same bytes, and so the same
# instruction counts, on every machine.
#
# The kernel takes ~6 min on 2 cores, so a finished kernel is kept in a cache
# keyed by the sha256 of everything that goes into it (DRIFTLAB_CACHE,
# default ~/.cache/driftlab); the armel .debs are cached there too.
#
# usage: build.sh OUT_DIR        (needs: scripts/setup.sh's packages, root only
#                                 for the one-time `dpkg --add-architecture armel`)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
out=$(mkdir -p "${1:?usage: build.sh OUT_DIR}" && cd "$1" && pwd)
cache=${DRIFTLAB_CACHE:-$HOME/.cache/driftlab}
jobs=${JOBS:-$(nproc)}
mkdir -p "$cache"

say() { echo "linux-guest: $*" >&2; }
die() { echo "linux-guest: error: $*" >&2; exit 1; }

src_tar=/usr/src/linux-source-6.1.tar.xz
[ -f "$src_tar" ] || die "$src_tar missing: install linux-source-6.1 (scripts/setup.sh)"
command -v arm-linux-gnueabi-gcc >/dev/null || die "arm-linux-gnueabi-gcc missing: install gcc-arm-linux-gnueabi"
command -v fdtput >/dev/null || die "fdtput missing: install device-tree-compiler"

pkgver() { dpkg-query -W -f='${Version}' "$1" 2>/dev/null || echo none; }
export ARCH=arm CROSS_COMPILE=arm-linux-gnueabi- LC_ALL=C TZ=UTC
export KBUILD_BUILD_TIMESTAMP="Thu Jan  1 00:00:00 UTC 2026"
export KBUILD_BUILD_USER=driftlab KBUILD_BUILD_HOST=driftlab KBUILD_BUILD_VERSION=1

# ---- kernel and device trees -------------------------------------------------
kkey=$( { echo "linux-source-6.1 $(pkgver linux-source-6.1)"
          echo "gcc-arm-linux-gnueabi $(pkgver gcc-arm-linux-gnueabi)"
          echo "device-tree-compiler $(pkgver device-tree-compiler)"
          cat "$here/kernel.config"
          sed -n '/^# ---- kernel/,/^# ---- userland/p' "$0"; } | sha256sum | cut -c1-16)
kcache=$cache/linux-kernel-$kkey
if [ -f "$kcache/zImage" ]; then
    say "kernel $kkey from the cache ($kcache)"
else
    work=$(mktemp -d "$cache/kbuild.XXXXXX")
    trap 'rm -rf "$work"' EXIT
    say "building the kernel ($kkey) in $work; about 6 min on 2 cores"
    tar -C "$work" -xf "$src_tar"
    ksrc=$work/linux-source-6.1
    make -s -C "$ksrc" O="$work/obj" versatile_defconfig
    "$ksrc/scripts/kconfig/merge_config.sh" -m -O "$work/obj" "$work/obj/.config" \
        "$here/kernel.config" >/dev/null
    make -s -C "$ksrc" O="$work/obj" olddefconfig
    # Every option we asked for must have survived olddefconfig.
    while read -r line; do
        case "$line" in CONFIG_*) grep -qx "$line" "$work/obj/.config" \
            || die "kernel option '$line' was dropped by olddefconfig";; esac
    done < "$here/kernel.config"
    make -s -C "$ksrc" O="$work/obj" -j"$jobs" zImage dtbs 2>&1 | grep -v '^  ' >&2 || true
    [ -f "$work/obj/arch/arm/boot/zImage" ] || die "kernel build failed"
    mkdir -p "$kcache.tmp"
    cp "$work/obj/arch/arm/boot/zImage" "$work/obj/.config" "$kcache.tmp/"
    cp "$work/obj/arch/arm/boot/dts/versatile-pb.dtb" "$kcache.tmp/"
    rm -rf "$kcache" && mv "$kcache.tmp" "$kcache"
    rm -rf "$work"; trap - EXIT
fi
cp "$kcache/zImage" "$kcache/versatile-pb.dtb" "$out/"
cp "$kcache/.config" "$out/kernel.config"

# QEMU wires MMCI0 to SIC 22 and SIC 1 and never sets the card-detect bit in
# SYS_MCI, so with the stock tree Linux sees no card there. This copy marks
# the slot non-removable and gives it QEMU's interrupts.
cp "$out/versatile-pb.dtb" "$out/versatile-pb-sd.dtb"
sic=$(fdtget -t u "$out/versatile-pb.dtb" /amba/interrupt-controller@10003000 phandle 2>/dev/null) \
    || die "no SIC node in versatile-pb.dtb"
mmc=/amba/fpga/mmc@5000
fdtget "$out/versatile-pb.dtb" "$mmc" reg >/dev/null 2>&1 || die "no $mmc in versatile-pb.dtb"
fdtput -t u "$out/versatile-pb-sd.dtb" "$mmc" interrupts-extended "$sic" 22 "$sic" 1
fdtput "$out/versatile-pb-sd.dtb" "$mmc" non-removable

# ---- userland ------------------------------------------------------------------
debs=$cache/armel-debs
mkdir -p "$debs"
if ! dpkg --print-foreign-architectures | grep -qx armel; then
    [ "$(id -u)" -eq 0 ] || die "run once as root: dpkg --add-architecture armel && apt-get update"
    dpkg --add-architecture armel
    apt-get update -qq
fi
# Every armel package in the dependency closure of the workloads; only the
# shared objects fio and stress load are copied into the image below.
want="busybox-static:armel stress:armel fio:armel"
closure=$(apt-cache depends --recurse --no-recommends --no-suggests --no-conflicts \
            --no-breaks --no-replaces --no-enhances $want 2>/dev/null \
          | grep -E '^[a-z0-9][^ ]*:armel$' | sort -u)
[ -n "$closure" ] || die "apt-cache knows no armel packages: run apt-get update"
# One apt-cache call for all versions; apt-get download writes an epoch's
# colon as %3a in the file name.
debs_list=$(apt-cache policy $closure | awk '
    /^[^ ].*:$/ { pkg = substr($1, 1, length($1) - 1) }
    /Candidate:/ { v = $2; sub(":", "%3a", v); n = pkg; sub(":armel$", "", n);
                   print pkg, n "_" v "_armel.deb" }')
missing=()
while read -r p f; do [ -f "$debs/$f" ] || missing+=("$p"); done <<< "$debs_list"
if [ ${#missing[@]} -gt 0 ]; then
    say "downloading ${#missing[@]} armel packages"
    (cd "$debs" && apt-get download -qq "${missing[@]}" 2>&1 | grep -v 'unsandboxed' >&2 || true)
fi

# The unpacked programs and libraries depend only on the package versions and
# this section of the script, so they are cached too.
ukey=$( { echo "$debs_list"; sed -n '/^# ---- userland/,/^# ---- image/p' "$0"; cat "$here/stub_library.py"; } \
        | sha256sum | cut -c1-16)
ucache=$cache/linux-userland-$ukey
if [ ! -d "$ucache" ]; then
    say "unpacking $(echo "$debs_list" | wc -l) armel packages"
    stage=$(mktemp -d)
    rootu=$ucache.tmp
    rm -rf "$rootu"; mkdir -p "$rootu"
    trap 'rm -rf "$stage" "$rootu"' EXIT
    while read -r p f; do
        [ -f "$debs/$f" ] || die "package $p was not downloaded"
        dpkg -x "$debs/$f" "$stage"
    done <<< "$debs_list"
    mkdir -p "$rootu"/{bin,usr/bin,lib/arm-linux-gnueabi}
    cp "$stage/bin/busybox" "$rootu/bin/busybox"
    cp "$stage/usr/bin/stress" "$stage/usr/bin/fio" "$rootu/usr/bin/"
    cp -L "$stage/lib/ld-linux.so.3" "$rootu/lib/ld-linux.so.3"
    # The shared-object closure of the dynamic binaries, by DT_NEEDED,
    # searched where Debian's armel packages put them.
    libdirs="lib/arm-linux-gnueabi usr/lib/arm-linux-gnueabi usr/lib/arm-linux-gnueabi/ceph lib usr/lib"
    # fio's network and RDMA engines, never used by the workloads: stand-ins
    # with the same symbols (stub_library.py says why) keep Ceph, Gluster,
    # GnuTLS and ICU out of the image, 70 MB of the 75 it would be.
    stubbed="librbd.so.1 librados.so.2 libgfapi.so.0 libnbd.so.0 libibverbs.so.1 librdmacm.so.1"
    stub_library() {  # REAL SONAME OUT
        local t; t=$(mktemp -d)
        arm-linux-gnueabi-readelf --dyn-syms -W "$1" > "$t/syms"
        /usr/bin/python3 "$here/stub_library.py" "$t/syms" "$t/stub.s" "$t/stub.map"
        # reproducible: assembled under a fixed name (gcc's own temporary
        # object would be named in the symbol table), and stripped
        (cd "$t" && arm-linux-gnueabi-gcc -c -o stub.o stub.s &&
         arm-linux-gnueabi-gcc -shared -nostdlib -s -Wl,--version-script=stub.map \
            -Wl,-soname,"$2" -Wl,--build-id=none -o stub.so stub.o)
        cp "$t/stub.so" "$3"
        rm -rf "$t"
    }
    queue="$rootu/usr/bin/stress $rootu/usr/bin/fio"
    seen=" "
    while [ -n "$queue" ]; do
        set -- $queue; f=$1; shift; queue="$*"
        for so in $(arm-linux-gnueabi-readelf -d "$f" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p'); do
            case "$seen" in *" $so "*) continue;; esac
            seen="$seen$so "
            hit=""
            for d in $libdirs; do [ -e "$stage/$d/$so" ] && { hit=$stage/$d/$so; break; }; done
            [ -n "$hit" ] || die "library $so (needed by ${f##*/}) is in no downloaded package"
            case " $stubbed " in
                *" $so "*) stub_library "$hit" "$so" "$rootu/lib/arm-linux-gnueabi/$so" ;;
                *) cp -L "$hit" "$rootu/lib/arm-linux-gnueabi/$so" ;;
            esac
            queue="$queue $rootu/lib/arm-linux-gnueabi/$so"
        done
    done
    echo "$debs_list" | awk '{print $2}' > "$rootu/.packages"
    rm -rf "$stage"; mv "$rootu" "$ucache"; trap - EXIT
fi

# ---- image -------------------------------------------------------------------
root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
cp -a "$ucache/." "$root/"
rm "$root/.packages"
mkdir -p "$root"/{sbin,usr/sbin,proc,sys,dev,tmp,etc,root}
# The applets /init and an interactive look around need; /bin/sh above all.
for app in sh ash mount umount mkdir cat echo tr sleep reboot ls dd sync uname \
           free df ps top dmesg hwclock date grep sed head tail wc test \[; do
    ln -s busybox "$root/bin/$app"
done
cp "$here/init" "$root/init"
chmod 755 "$root/init"

manifest=$out/manifest.txt
{ echo "# driftlab Linux guest inputs"
  echo "linux-source-6.1 $(pkgver linux-source-6.1)"
  echo "gcc-arm-linux-gnueabi $(pkgver gcc-arm-linux-gnueabi)"
  echo "kernel-cache-key $kkey"
  echo "userland-cache-key $ukey"
  echo "libraries $(ls "$root/lib/arm-linux-gnueabi" | wc -l)"
  sed 's/^/deb /' "$ucache/.packages"; } > "$manifest"

# Reproducible cpio: sorted names, owner 0, mtime 0.
find "$root" -exec touch -h -d @0 {} +
(cd "$root" && find . -mindepth 1 | LC_ALL=C sort | cpio -o -H newc -R 0:0 --reproducible --quiet) \
    | gzip -n -6 > "$out/initramfs.cpio.gz.tmp"
mv "$out/initramfs.cpio.gz.tmp" "$out/initramfs.cpio.gz"
(cd "$out" && sha256sum zImage versatile-pb.dtb versatile-pb-sd.dtb initramfs.cpio.gz) >> "$manifest"
say "done: $out ($(du -h "$out/initramfs.cpio.gz" | cut -f1) initramfs, $(ls "$root/lib/arm-linux-gnueabi" | wc -l) libraries)"
