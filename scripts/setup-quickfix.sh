#!/usr/bin/env bash
# Installs QuickFIX C++ (Debian's libquickfix-dev) and g++ when they are missing, then builds the
# QuickFIX test clients in test/clients/quickfix/build/. Safe to run any number of times: with
# everything present it installs nothing and rebuilds nothing.
#
# Used by .ci/run before the tests, and by test/clients/harness.test.ts itself, so a plain
# `npm test` on a fresh Debian machine also gets a working QuickFIX client.
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
say() { echo "setup-quickfix: $*"; }
die() { echo "setup-quickfix: error: $*" >&2; exit 1; }

# Several test files may ask for the clients at once; one installs/builds, the others wait.
lock="${TMPDIR:-/tmp}/crucible-setup-quickfix.lock"
exec 9>"$lock"
if command -v flock >/dev/null 2>&1; then
  flock -w 900 9 || die "timed out waiting for another setup-quickfix run (lock $lock)"
fi

have_headers() { [ -f /usr/include/quickfix/Session.h ]; }
have_library() { compgen -G '/usr/lib/*/libquickfix.so' >/dev/null || [ -e /usr/lib/libquickfix.so ]; }
have_compiler() { command -v g++ >/dev/null 2>&1; }

missing=()
have_headers || missing+=("QuickFIX headers (/usr/include/quickfix/Session.h)")
have_library || missing+=("QuickFIX library (libquickfix.so)")
have_compiler || missing+=("g++")

if [ "${#missing[@]}" -eq 0 ]; then
  say "QuickFIX headers, library and g++ present; nothing to install"
else
  say "missing: ${missing[*]}"
  command -v apt-get >/dev/null 2>&1 || die "apt-get not found: install libquickfix-dev and g++ (QuickFIX C++ 1.15) by hand"
  sudo=()
  if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null 2>&1 || die "not root and no sudo: run 'apt-get install -y libquickfix-dev g++' as root"
    sudo=(sudo -n)
  fi
  export DEBIAN_FRONTEND=noninteractive
  # libquickfix-dev pulls in libquickfix17 (the runtime), libxml2-dev and libssl-dev.
  packages=(libquickfix-dev g++)
  say "running: apt-get update"
  "${sudo[@]}" apt-get update -q || die "apt-get update failed"
  say "running: apt-get install -y --no-install-recommends ${packages[*]}"
  "${sudo[@]}" apt-get install -y -q --no-install-recommends -o DPkg::Lock::Timeout=300 "${packages[@]}" \
    || die "apt-get install ${packages[*]} failed"
  have_headers || die "libquickfix-dev installed but /usr/include/quickfix/Session.h is still missing"
  have_library || die "libquickfix-dev installed but libquickfix.so is still missing"
  have_compiler || die "g++ installed but not on PATH"
  say "installed ${packages[*]}"
fi

say "building test clients"
bash "$root/test/clients/quickfix/build.sh" || die "building the QuickFIX test clients failed (see the compiler output above)"
say "ready: $root/test/clients/quickfix/build/crucible-qf-client"
