#!/usr/bin/env bash
# Builds the QuickFIX client and echo acceptor into test/clients/quickfix/build/.
# Rebuilds a binary only when it is older than its sources, so repeated test runs cost nothing.
# Needs g++ and libquickfix-dev: scripts/setup-quickfix.sh installs them and then calls this.
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
out="$here/build"
mkdir -p "$out"

if [ ! -f /usr/include/quickfix/Session.h ]; then
  echo "build.sh: QuickFIX headers missing (/usr/include/quickfix/Session.h); run scripts/setup-quickfix.sh" >&2
  exit 1
fi
if ! command -v g++ >/dev/null 2>&1; then
  echo "build.sh: g++ not found; run scripts/setup-quickfix.sh" >&2
  exit 1
fi

# QuickFIX 1.15's headers use dynamic exception specifications, which C++17 removed.
cxxflags=(-std=c++14 -O1 -g -Wall -Wno-deprecated -Wno-deprecated-declarations)
libs=(-lquickfix -lpthread)

build() {
  local name="$1" source="$here/$2"
  local target="$out/$name"
  # ldd catches a binary left behind by a QuickFIX upgrade that changed the library's soname.
  if [ -x "$target" ] && [ "$target" -nt "$source" ] && [ "$target" -nt "$here/common.h" ] && [ "$target" -nt "$0" ] \
    && ! ldd "$target" 2>/dev/null | grep -q 'not found'; then
    echo "build.sh: $name is up to date"
    return
  fi
  echo "build.sh: g++ ${cxxflags[*]} -o $target $source ${libs[*]}"
  # Build to a temporary name so a failed or interrupted build never leaves a stale binary that
  # looks newer than its sources.
  g++ "${cxxflags[@]}" -o "$target.tmp.$$" "$source" "${libs[@]}"
  mv -f "$target.tmp.$$" "$target"
}

build crucible-qf-client client.cpp
build crucible-qf-echo-acceptor echo-acceptor.cpp
