#!/usr/bin/env bash
# Make sure a Docker engine answers on this machine: install Debian's docker.io
# when it is missing and start dockerd ourselves when none runs (CI machines
# have no init system running services for us). Fast when it already answers.
set -euo pipefail

DOCKER=/usr/bin/docker   # /usr/local/bin/docker is a different client
LOG=/var/log/plugspace-dockerd.log
PIDFILE=/run/plugspace-dockerd.pid

answers() { [ -x "$DOCKER" ] && timeout 10 "$DOCKER" info >/dev/null 2>&1; }

if answers; then
  exit 0
fi

if [ ! -x /usr/sbin/dockerd ] || [ ! -x "$DOCKER" ]; then
  echo "installing Debian's docker.io"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq docker.io >/dev/null
fi

if ! pidof dockerd >/dev/null; then
  echo "starting dockerd (log: $LOG)"
  # Containers and networks of an earlier run may still be registered: that
  # is fine, scenarios replace them.
  nohup /usr/sbin/dockerd >>"$LOG" 2>&1 &
  echo $! >"$PIDFILE"
fi

for _ in $(seq 1 60); do
  if answers; then
    echo "docker engine answers"
    exit 0
  fi
  sleep 1
done
echo "dockerd did not answer within 60 s; last lines of $LOG:" >&2
tail -n 30 "$LOG" >&2 || true
exit 1
