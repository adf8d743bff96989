#!/bin/sh
# Launcher behind bin/bd and bin/gt (symlinks here; the name they are called by picks
# the program). Runs on Node >= 24, the pinned devDependency first, so the system Node 20
# never runs the ledger, from any directory. Uses the bundled entry when built, else the
# TypeScript source (Node 24 strips types natively).
name=${0##*/}
case "$name" in bd|gt) ;; *) echo "launch.sh: call me as bd or gt" >&2; exit 2 ;; esac
self=$(readlink -f "$0"); root=${self%/scripts/launch.sh}
node="$root/node_modules/node/bin/node"
if [ ! -x "$node" ]; then
  node=$(command -v node)
  if [ "$("$node" -p 'process.versions.node.split(".")[0] >= 24' 2>/dev/null)" != true ]; then
    echo "$name: needs Node >= 24 (run 'npm ci' in $root)" >&2; exit 1
  fi
fi
entry="$root/dist/$name.js"
[ -f "$entry" ] || entry="$root/src/cli/$name/main.ts"
exec "$node" "$entry" "$@"
