#!/bin/sh
# Launcher behind bin/bd and bin/gt (symlinks to this file; the name they are called by
# picks the program). Runs on Node >= 24, the pinned devDependency first, so the system
# Node 20 never runs the ledger, from any directory. Uses the bundled entry when built,
# else the TypeScript source (Node 24 strips types natively). Kept to shell built-ins on
# the common path: every bd call pays for this script.
name=${0##*/}
case "$name" in bd|gt) ;; *) echo "launch.sh: call me as bd or gt" >&2; exit 2 ;; esac
root=${0%/*}/..
node="$root/node_modules/node/bin/node"
entry="$root/dist/$name.cjs"
if [ ! -f "$entry" ] || [ ! -x "$node" ]; then
  # Called through another symlink (e.g. node_modules/.bin): find the real checkout.
  self=$(readlink -f "$0"); root=${self%/scripts/launch.sh}
  node="$root/node_modules/node/bin/node"
  entry="$root/dist/$name.cjs"
  [ -f "$entry" ] || entry="$root/src/cli/$name/main.ts"
  if [ ! -x "$node" ]; then
    node=$(command -v node)
    if [ "$("$node" -p 'process.versions.node.split(".")[0] >= 24' 2>/dev/null)" != true ]; then
      echo "$name: needs Node >= 24 (run 'npm ci' in $root)" >&2; exit 1
    fi
  fi
fi
# Node's compile cache makes every later start cheaper; main.ts drops the variable again
# so processes started by bd/gt do not inherit it.
NODE_COMPILE_CACHE="${XDG_CACHE_HOME:-${HOME:-/tmp}/.cache}/gastown-ts/compile-cache" exec "$node" "$entry" "$@"
