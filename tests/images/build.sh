#!/usr/bin/env bash
# Build the Debian systemd test images (debootstrap + docker import).
#
# usage: tests/images/build.sh IMAGE...   (bookworm, trixie, bookworm-packaged, bookworm-arm64)
#
# bookworm-packaged is bookworm with Debian's own packages of the programs the
# roles install, enabled as Debian enables them (molecule/takeover adopts them).
#
# bookworm-arm64 is bookworm for arm64 (aarch64) with nginx and redis-server,
# run under qemu-user emulation (molecule/mixed_arch). Building or running it
# needs the host to run arm64 programs: Debian's qemu-user-static and
# binfmt-support are installed and the aarch64 interpreter registered (binfmt_misc)
# when missing. Only the scenario that needs it builds it (make images does not).
#
# Each image is tagged plugspace-systemd:<suite> and labelled with the sha256
# of this recipe; an image whose label matches is kept, so a warm run costs
# one `docker image inspect` per suite. The Debian mirror is read from this
# machine's own apt sources, never written here.
set -euo pipefail

DOCKER=${DOCKER:-/usr/bin/docker}
recipe=$(sha256sum "$0" | cut -c1-16)
packages=systemd,systemd-sysv,dbus,python3,python3-apt,ca-certificates,curl,iproute2,procps,openssl,iputils-ping,netcat-openbsd,less

# What Debian's stable release packages: the previous generation of every program.
packaged=prometheus,prometheus-alertmanager,prometheus-node-exporter,prometheus-blackbox-exporter,prometheus-redis-exporter,redis-server
mirror_url() {
  local uri
  uri=$(sed -n 's/^URIs: *//p' /etc/apt/sources.list.d/*.sources 2>/dev/null | grep -v security | head -n1 || true)
  [ -n "$uri" ] || uri=$(awk '/^deb / && $2 !~ /security/ {print $2; exit}' /etc/apt/sources.list 2>/dev/null || true)
  [ -n "$uri" ] || { echo "build.sh: no Debian mirror in this machine's apt sources" >&2; exit 1; }
  echo "$uri"
}

# arm64 programs on this amd64 host: qemu's aarch64 interpreter, registered
# with the F flag (loaded now, so it also serves inside the containers).
arm64_emulation() {
  local entry=/proc/sys/fs/binfmt_misc/qemu-aarch64
  if ! grep -qs '^enabled' "$entry"; then
    [ -x /usr/bin/qemu-aarch64-static ] && command -v update-binfmts >/dev/null || {
      apt-get update -qq
      DEBIAN_FRONTEND=noninteractive apt-get install -y -qq qemu-user-static binfmt-support >/dev/null
    }
    [ -e /proc/sys/fs/binfmt_misc/register ] || mount -t binfmt_misc binfmt_misc /proc/sys/fs/binfmt_misc
    update-binfmts --enable qemu-aarch64
  fi
  grep -qs '^enabled' "$entry" && grep -qs '^flags: .*F' "$entry" || {
    echo "build.sh: this host cannot run arm64 programs (binfmt_misc qemu-aarch64 not enabled with flag F)" >&2
    exit 1
  }
}

build() {
  local suite=${1%%-*} tag="plugspace-systemd:$1" include=$packages arch=amd64 have root
  [ "$1" != bookworm-packaged ] || include+=",$packaged"
  if [ "${1##*-}" = arm64 ]; then
    arch=arm64
    include+=",nginx,redis-server"
    arm64_emulation
  fi
  have=$("$DOCKER" image inspect -f '{{ index .Config.Labels "org.plugspace.recipe" }}' "$tag" 2>/dev/null || true)
  if [ "$have" = "$recipe" ]; then
    echo "image $tag is current (recipe $recipe)"
    return
  fi
  command -v debootstrap >/dev/null || { apt-get update -qq; DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap >/dev/null; }
  root=$(mktemp -d /var/tmp/plugspace-rootfs.XXXXXX)
  trap 'rm -rf "$root"' RETURN
  echo "building $tag with debootstrap (recipe $recipe)"
  debootstrap --arch="$arch" --variant=minbase --include="$include" "$suite" "$root" "$(mirror_url)" >"$root.log" 2>&1 \
    || { tail -n 30 "$root.log" >&2; exit 1; }
  rm -f "$root.log"
  # A container has no consoles, udev or kernel to manage: mask what would fail.
  for unit in getty@tty1.service console-getty.service serial-getty@.service systemd-udevd.service \
              systemd-udev-trigger.service systemd-modules-load.service sys-kernel-config.mount \
              sys-kernel-debug.mount sys-kernel-tracing.mount systemd-firstboot.service \
              systemd-resolved.service systemd-timesyncd.service apt-daily.timer apt-daily-upgrade.timer; do
    ln -sf /dev/null "$root/etc/systemd/system/$unit"
  done
  : >"$root/etc/machine-id"
  printf 'APT::Install-Recommends "false";\nAPT::Install-Suggests "false";\n' >"$root/etc/apt/apt.conf.d/90plugspace"
  rm -rf "$root"/var/cache/apt/archives/*.deb "$root"/var/lib/apt/lists/*
  # (docker import records the engine's own platform, amd64, whatever the files are;
  # the arm64 image runs because the kernel hands its programs to qemu.)
  tar -C "$root" -c . | "$DOCKER" import \
      -c 'CMD ["/lib/systemd/systemd"]' -c 'ENV container=docker' \
      -c "LABEL org.plugspace.recipe=$recipe" - "$tag" >/dev/null
  echo "built $tag"
}

[ $# -gt 0 ] || set -- bookworm trixie
for suite in "$@"; do build "$suite"; done
