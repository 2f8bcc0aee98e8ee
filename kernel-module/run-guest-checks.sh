#!/usr/bin/env bash
# Builds diskmap.ko against Debian's kernel headers, packs a busybox initramfs with that kernel's
# NVMe modules, the module, a jlinked Java runtime and the given classes, boots it under QEMU
# (TCG; KVM is not needed) with an emulated NVMe drive over IMAGE, and runs the checks of
# guest/init inside. The guest console goes to OUTDIR/console.log and to stdout.
#
#   run-guest-checks.sh IMAGE CLASSPATH OUTDIR
#
# Exit: 0 when the guest ran to the end (the caller judges the check lines), 3 when a
# prerequisite is missing (the message says which), anything else on failure.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
IMAGE=$1 CLASSPATH_IN=$2 OUT=$3
CACHE=${DISKMAP_GUEST_CACHE:-$HERE/build}
JAVA_HOME=${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}
BOOT_TIMEOUT=${DISKMAP_GUEST_TIMEOUT:-420}
MODE=${DISKMAP_GUEST_MODE:-module}
BLOCK=${DISKMAP_GUEST_BLOCK:-512}

missing() { echo "run-guest-checks: $*" >&2; exit 3; }
command -v qemu-system-x86_64 >/dev/null || missing "qemu-system-x86_64 is not installed (Debian: qemu-system-x86)"
command -v cpio >/dev/null || missing "cpio is not installed"
[ -x "$JAVA_HOME/bin/jlink" ] || missing "no JDK at $JAVA_HOME"

# The kernel: the version Debian's linux-headers-amd64 points at, so headers and image match.
kernel_abi() {
  apt-cache depends linux-headers-amd64 2>/dev/null | sed -n 's/.*Depends: linux-headers-\(.*\)/\1/p' | head -n 1
}
ABI=${DISKMAP_GUEST_KERNEL:-$(kernel_abi)}
if [ -z "$ABI" ] && [ "$(id -u)" -eq 0 ]; then
  apt-get update -qq >/dev/null 2>&1 || true
  ABI=$(kernel_abi)
fi
[ -n "$ABI" ] || missing "cannot tell which Debian kernel to use (apt-cache depends linux-headers-amd64 said nothing)"
KDIR=/usr/src/linux-headers-$ABI
if [ ! -d "$KDIR" ]; then
  [ "$(id -u)" -eq 0 ] || missing "$KDIR is missing; install linux-headers-$ABI (as root)"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "linux-headers-$ABI" >/dev/null
fi
KROOT=$CACHE/kernel-$ABI
if [ ! -f "$KROOT/boot/vmlinuz-$ABI" ]; then
  mkdir -p "$CACHE/debs" && rm -rf "$KROOT"
  (cd "$CACHE/debs" && apt-get download -q "linux-image-$ABI" >/dev/null 2>&1) \
    || missing "cannot download linux-image-$ABI with apt-get"
  dpkg-deb -x "$CACHE"/debs/linux-image-"$ABI"_*.deb "$KROOT"
fi
MODULES=$KROOT/lib/modules/$ABI

# A static busybox for the guest's shell and tools, unpacked like the kernel (never installed).
BUSYBOX=$CACHE/busybox-static/bin/busybox
if [ ! -x "$BUSYBOX" ]; then
  mkdir -p "$CACHE/debs" && rm -rf "$CACHE/busybox-static"
  (cd "$CACHE/debs" && rm -f busybox-static_*.deb && apt-get download -q busybox-static >/dev/null 2>&1) \
    || missing "cannot download busybox-static with apt-get"
  dpkg-deb -x "$CACHE"/debs/busybox-static_*.deb "$CACHE/busybox-static"
fi

# diskmap.ko, built out of tree in a copy so the source folder stays clean.
BUILD=$CACHE/module-$ABI
mkdir -p "$BUILD"
cp "$HERE/diskmap.c" "$HERE/diskmap_uapi.h" "$HERE/Kbuild" "$HERE/Makefile" "$BUILD/"
make -s -C "$KDIR" M="$BUILD" modules >"$BUILD/build.log" 2>&1 || { cat "$BUILD/build.log" >&2; exit 1; }
if grep -E "warning|error" "$BUILD/build.log" >&2; then echo "run-guest-checks: diskmap.ko must build without warnings" >&2; exit 1; fi

# A small Java runtime: java.base is all the module checks use (java.logging keeps the CDS archive
# whole); atlas-server needs what jdeps finds in it and its libraries.
if [ "$MODE" = serve ]; then
  JMODS=java.base,java.logging,java.management,jdk.management,jdk.unsupported,jdk.httpserver,java.sql,java.desktop,java.compiler
else
  JMODS=java.base,java.logging
fi
JDK_ID=$("$JAVA_HOME/bin/java" -XshowSettings:properties -version 2>&1 | sed -n 's/.*java.runtime.version = //p')
JRE=$CACHE/jre-$JDK_ID-$(echo "$JMODS" | cksum | cut -d' ' -f1)
if [ ! -x "$JRE/bin/java" ]; then
  rm -rf "$JRE"
  "$JAVA_HOME/bin/jlink" --add-modules "$JMODS" --strip-debug --no-man-pages --no-header-files \
    --generate-cds-archive --output "$JRE"
fi

# The initramfs.
ROOT=$OUT/root
rm -rf "$ROOT" && mkdir -p "$ROOT"/{bin,proc,sys,dev,tmp,lib/modules,app}
cp "$BUSYBOX" "$ROOT/bin/busybox"
cp "$HERE/guest/init" "$ROOT/init"
cp "$BUILD/diskmap.ko" "$ROOT/diskmap.ko"
# nvme.ko and what it needs, dependencies first (read from each module's modinfo "depends=").
order=()
add_module() {
  local name=$1 file dep
  for dep in "${order[@]}"; do [ "$dep" = "$name" ] && return 0; done
  file=$(find "$MODULES/kernel" -name "$name.ko" | head -n 1)
  [ -n "$file" ] || file=$(find "$MODULES/kernel" -name "${name//-/_}.ko" | head -n 1)
  [ -n "$file" ] || { echo "run-guest-checks: module $name not in linux-image-$ABI" >&2; exit 1; }
  for dep in $(strings -a "$file" | sed -n 's/^depends=//p' | tr ',' ' '); do add_module "$dep"; done
  order+=("$name")
  cp "$file" "$ROOT/lib/modules/$name.ko"
}
add_module nvme
binaries=("$JRE/bin/java" "$JRE"/lib/*.so "$JRE"/lib/server/libjvm.so)
if [ "$MODE" = serve ]; then
  add_module veth
  for tool in ip ethtool curl; do
    command -v "$tool" >/dev/null || missing "$tool is not installed (Debian: iproute2, ethtool, curl)"
    cp "$(command -v "$tool")" "$ROOT/bin/$tool.real"
    binaries+=("$(command -v "$tool")")
  done
  cp "${DISKMAP_GUEST_EXPECTED:?serve mode needs DISKMAP_GUEST_EXPECTED}" "$ROOT/app/expected"
fi
echo "$MODE" >"$ROOT/app/mode"
printf '%s\n' "${order[@]}" >"$ROOT/lib/modules/load-order"
cp -a "$JRE" "$ROOT/jre"
# Shared libraries from the host's C library for the runtime and tools (the guest has none).
for lib in $(ldd "${binaries[@]}" 2>/dev/null | grep -o '/[^ ]*\.so[^ ]*' | sort -u); do
  [ -e "$lib" ] || continue
  mkdir -p "$ROOT$(dirname "$lib")"
  cp -L "$lib" "$ROOT$lib"
done
guest_cp=() i=0
IFS=: read -r -a entries <<<"$CLASSPATH_IN"
for entry in "${entries[@]}"; do
  [ -e "$entry" ] || continue
  cp -a "$entry" "$ROOT/app/cp$i"
  guest_cp+=("/app/cp$i")
  i=$((i + 1))
done
(IFS=:; echo "${guest_cp[*]}") >"$ROOT/app/classpath"
(cd "$ROOT" && find . | cpio -o -H newc --quiet) >"$OUT/initramfs.cpio"

rm -f "$OUT/console.log"
status=0
timeout "$BOOT_TIMEOUT" qemu-system-x86_64 -accel tcg -cpu max -smp 2 -m 2048 -nodefaults -display none \
  -no-reboot -kernel "$KROOT/boot/vmlinuz-$ABI" -initrd "$OUT/initramfs.cpio" \
  -append "console=ttyS0 panic=-1 quiet rdinit=/init" \
  -serial "file:$OUT/console.log" \
  -drive "file=$IMAGE,if=none,id=nvm,format=raw" -device "nvme,serial=atlas0001,drive=nvm,logical_block_size=$BLOCK,physical_block_size=$BLOCK" || status=$?
cat "$OUT/console.log"
[ "$status" -eq 0 ] || echo "run-guest-checks: qemu exited with $status (124: the guest ran out of its ${BOOT_TIMEOUT}s)" >&2
exit "$status"
