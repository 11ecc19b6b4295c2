#!/usr/bin/env bash
# npm run bench:setup — installs the tools the benchmark compares against (Debian/Ubuntu, apt-get):
# iperf3, socat, haproxy, stunnel4. Idempotent. Leaves no system service of theirs running or enabled:
# service start-up is blocked during the install (policy-rc.d) and any unit is stopped and disabled after it.
set -euo pipefail

PKGS=(iperf3 socat haproxy stunnel4)
UNITS=(iperf3.service haproxy.service stunnel.target)

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then SUDO="sudo"; else echo "bench:setup: run as root or install sudo" >&2; exit 1; fi
fi
if ! command -v apt-get >/dev/null 2>&1; then
  echo "bench:setup: apt-get not found; install ${PKGS[*]} with your package manager" >&2
  exit 1
fi

missing=()
for p in "${PKGS[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then missing+=("$p"); fi
done

if [ "${#missing[@]}" -gt 0 ]; then
  # Block service start-up while installing (exit 101 = "action forbidden" for invoke-rc.d).
  POLICY=/usr/sbin/policy-rc.d
  created_policy=0
  if [ ! -e "$POLICY" ]; then
    printf '#!/bin/sh\nexit 101\n' | $SUDO tee "$POLICY" >/dev/null
    $SUDO chmod 755 "$POLICY"
    created_policy=1
  fi
  cleanup() { if [ "$created_policy" = 1 ]; then $SUDO rm -f "$POLICY"; fi; }
  trap cleanup EXIT
  # iperf3 asks whether to start a daemon: answer no.
  echo 'iperf3 iperf3/start_daemon boolean false' | $SUDO debconf-set-selections 2>/dev/null || true
  echo "bench:setup: apt-get update"
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get update -q
  echo "bench:setup: apt-get install ${missing[*]}"
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
else
  echo "bench:setup: ${PKGS[*]} already installed"
fi

# Stop and disable any service unit the packages brought. `systemctl disable` also works when systemd is not
# running (it only removes the enablement links); `stop` only makes sense under a running systemd.
if command -v systemctl >/dev/null 2>&1; then
  for u in "${UNITS[@]}"; do
    if [ -f "/lib/systemd/system/$u" ] || [ -f "/etc/systemd/system/$u" ]; then
      if [ -d /run/systemd/system ]; then $SUDO systemctl stop "$u" >/dev/null 2>&1 || true; fi
      if systemctl is-enabled "$u" >/dev/null 2>&1; then
        $SUDO systemctl disable "$u" >/dev/null 2>&1 || true
        echo "bench:setup: $u disabled"
      fi
    fi
  done
fi
# Without systemd, stop a SysV-started daemon if one is running anyway.
for u in iperf3 haproxy stunnel4; do
  if [ -x "/etc/init.d/$u" ] && [ ! -d /run/systemd/system ]; then
    $SUDO "/etc/init.d/$u" stop >/dev/null 2>&1 || true
  fi
done

# Report anything of theirs still listening (the benchmark starts its own copies on 127.0.0.1 only).
if command -v ss >/dev/null 2>&1; then
  left=$(ss -H -ltunp 2>/dev/null | grep -E '"(haproxy|stunnel4?|iperf3|socat)"' || true)
  if [ -n "$left" ]; then
    echo "bench:setup: WARNING: still listening:" >&2
    echo "$left" >&2
  fi
fi

for bin in iperf3 socat haproxy stunnel4; do
  command -v "$bin" >/dev/null 2>&1 || { echo "bench:setup: $bin missing after install" >&2; exit 1; }
done
echo "bench:setup: ok — $(iperf3 --version | head -1); $(socat -V | grep 'socat version' | head -1); $(haproxy -v | head -1); $(stunnel4 -version 2>&1 | grep -m1 stunnel)"
