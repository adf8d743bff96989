# The launcher behind bin/gt and bin/bd, which set $name (gt or bd) and $bin (their own
# directory, links resolved) and source this file. Runs the program on Node >= 24 from any
# directory: the pinned Node the package brings (the node-linux-<cpu> optional dependency,
# linked as node_modules/.bin/node), else, when the package was installed into a project
# and npm hoisted that Node next to it, that one, else a `node` on PATH that is new enough.
# Runs the bundle in dist/ when built, else the TypeScript source (Node 24 strips types).
# Kept to shell built-ins on the common path: every gt and bd call pays for this script.
root=$bin/..
node=$root/node_modules/.bin/node
entry=$root/dist/$name.cjs
[ -f "$entry" ] || entry=$root/src/cli/$name/main.ts
if [ ! -x "$node" ]; then
  node_ok() { [ -x "$1" ] && [ "$("$1" -p 'Number(process.versions.node.split(".")[0]) >= 24' 2>/dev/null)" = true ]; }
  case $(cd "$root/.." && pwd -P) in
    */node_modules) node=$root/../.bin/node ;;
    *) node= ;;
  esac
  if [ -z "$node" ] || ! node_ok "$node"; then
    node=$(command -v node) || node=
    if [ -z "$node" ] || ! node_ok "$node"; then
      echo "$name: needs Node >= 24, and found neither the pinned Node of the package nor one on PATH" \
        "(a clone: run 'npm ci' in $(cd "$root" && pwd -P); an install: reinstall it without --omit=optional," \
        "or put Node 24 on PATH)" >&2
      exit 1
    fi
  fi
fi
# Node's compile cache makes every later start cheaper; main.ts drops the variable again
# so processes started by bd/gt do not inherit it.
NODE_COMPILE_CACHE="${XDG_CACHE_HOME:-${HOME:-/tmp}/.cache}/gastown-ts/compile-cache" exec "$node" "$entry" "$@"
