#!/bin/sh
# Records every malloc, free and realloc of a program (and of the programs it starts) as glibc
# mtrace text, one file per process, ready for parseTrace and the "Your trace" page.
#
# glibc's mtrace only starts when a program calls mtrace(), and since glibc 2.34 it lives in
# libc_malloc_debug.so. So this builds a tiny helper (scripts/mtrace-preload.c) that makes the
# call from a constructor, and preloads it together with libc_malloc_debug.so.

set -eu

usage() {
  cat <<'EOF'
usage: capture-trace.sh [-o DIR] [--] COMMAND [ARGS...]

Runs COMMAND with glibc's malloc tracing on and writes one mtrace file per process
(<program>.<pid>.mtrace) into DIR, then lists them. Exits with COMMAND's status.

  -o DIR   where the traces go (created if missing; default: a new temporary directory)
  -h       this help

Needs Linux with glibc and a C compiler (cc, or $CC) to build the preload helper, which is
cached in ${XDG_CACHE_HOME:-~/.cache}/heapforge. Set HEAPFORGE_MALLOC_DEBUG to the path of
libc_malloc_debug.so.0 if it is not found on its own. Programs that are setuid, statically
linked or that bring their own allocator record nothing (or only what reaches glibc).

example: scripts/capture-trace.sh -o traces -- python3 -c 'print(sorted(range(1000)))'
EOF
}

fail() {
  echo "capture-trace: $*" >&2
  exit 2
}

out_dir=""
while [ $# -gt 0 ]; do
  case "$1" in
    -h|--help) usage; exit 0 ;;
    -o) [ $# -ge 2 ] || fail "-o needs a directory"; out_dir="$2"; shift 2 ;;
    --) shift; break ;;
    -*) fail "unknown option $1 (see -h)" ;;
    *) break ;;
  esac
done
[ $# -gt 0 ] || { usage >&2; exit 2; }

script_dir=$(CDPATH= cd -- "$(dirname -- "$0")" && pwd -P)
helper_source="$script_dir/mtrace-preload.c"
[ -f "$helper_source" ] || fail "missing $helper_source"

# --- is this glibc, and which version? --------------------------------------------------------
glibc_version=$(getconf GNU_LIBC_VERSION 2>/dev/null || true)
case "$glibc_version" in
  glibc\ *) glibc_version=${glibc_version#glibc } ;;
  *) fail "this needs Linux with glibc (getconf GNU_LIBC_VERSION found none; musl and macOS have no mtrace)" ;;
esac
glibc_major=${glibc_version%%.*}
glibc_minor=${glibc_version#*.}
glibc_minor=${glibc_minor%%[!0-9]*}

# --- a compiler for the helper -------------------------------------------------------------------
cc=${CC:-cc}
command -v "$cc" >/dev/null 2>&1 || fail "no C compiler: '$cc' is not on PATH (install gcc, or set CC)"

# --- libc_malloc_debug.so (glibc >= 2.34 only) ---------------------------------------------------
# Look next to the libc.so.6 that programs here actually load, then ask the compiler, then ldconfig.
find_malloc_debug() {
  if [ -n "${HEAPFORGE_MALLOC_DEBUG:-}" ]; then
    [ -f "$HEAPFORGE_MALLOC_DEBUG" ] || fail "HEAPFORGE_MALLOC_DEBUG=$HEAPFORGE_MALLOC_DEBUG does not exist"
    echo "$HEAPFORGE_MALLOC_DEBUG"; return
  fi
  libc=$(ldd "$(command -v sh)" 2>/dev/null | awk '$1 == "libc.so.6" { print $3 }')
  if [ -n "$libc" ] && [ -f "$(dirname "$libc")/libc_malloc_debug.so.0" ]; then
    echo "$(dirname "$libc")/libc_malloc_debug.so.0"; return
  fi
  from_cc=$("$cc" -print-file-name=libc_malloc_debug.so.0 2>/dev/null || true)
  case "$from_cc" in /*) [ -f "$from_cc" ] && { echo "$from_cc"; return; } ;; esac
  for ldconfig in ldconfig /sbin/ldconfig /usr/sbin/ldconfig; do
    found=$("$ldconfig" -p 2>/dev/null | awk '$1 == "libc_malloc_debug.so.0" { print $NF; exit }' || true)
    [ -n "$found" ] && [ -f "$found" ] && { echo "$found"; return; }
  done
  return 0
}

preload=""
if [ "$glibc_major" -gt 2 ] || { [ "$glibc_major" -eq 2 ] && [ "$glibc_minor" -ge 34 ]; }; then
  malloc_debug=$(find_malloc_debug)
  [ -n "$malloc_debug" ] || fail "glibc $glibc_version keeps mtrace in libc_malloc_debug.so.0, which was not found (set HEAPFORGE_MALLOC_DEBUG)"
  preload="$malloc_debug"
fi

# --- build the helper once per source version, outside the repository ----------------------------
checksum=$(cksum < "$helper_source" | awk '{ print $1 }')
cache_dir="${XDG_CACHE_HOME:-${HOME:-/nonexistent}/.cache}/heapforge"
if ! mkdir -p "$cache_dir" 2>/dev/null || [ ! -w "$cache_dir" ]; then
  cache_dir=$(mktemp -d "${TMPDIR:-/tmp}/heapforge-helper.XXXXXX")
fi
helper="$cache_dir/mtrace-preload-$checksum-$(uname -m).so"
if [ ! -f "$helper" ]; then
  partial="$helper.$$.tmp"
  "$cc" -shared -fPIC -O2 -pthread -o "$partial" "$helper_source" ||
    { rm -f "$partial"; fail "building the preload helper with $cc failed"; }
  mv -f "$partial" "$helper"
fi
preload="$preload${preload:+ }$helper"

# --- run -----------------------------------------------------------------------------------------
if [ -z "$out_dir" ]; then
  out_dir=$(mktemp -d "${TMPDIR:-/tmp}/heapforge-trace.XXXXXX")
else
  mkdir -p "$out_dir" || fail "cannot create $out_dir"
fi
# Children may change directory, so the helper gets an absolute path.
out_dir=$(CDPATH= cd -- "$out_dir" && pwd -P)

# Traces already in DIR from earlier runs are left alone and not listed. The helper's file names
# never hold blanks, so a blank-separated list is safe.
earlier=" $(cd "$out_dir" && ls -1 | tr '\n' ' ')"

status=0
HEAPFORGE_TRACE_DIR="$out_dir" LD_PRELOAD="$preload${LD_PRELOAD:+ $LD_PRELOAD}" "$@" || status=$?

# A process that exec'd or called _exit loses what glibc still buffered, which can leave a line
# cut off, or a realloc's "<" line without its ">" line; both are dropped so the file parses.
drop_last_line() {
  keep=$(($(wc -c < "$1") - $(tail -n 1 "$1" | wc -c)))
  head -c "$keep" "$1" > "$1.tidy" && mv -f "$1.tidy" "$1"
}
ends_cut_off() {
  [ -s "$1" ] && [ "$(tail -c 1 "$1" | od -An -c | tr -d ' ')" != '\n' ]
}
ends_inside_realloc() {
  tail -n 1 "$1" | grep -q -e '^< ' -e '] < '
}

written=""
for file in "$out_dir"/*.mtrace; do
  [ -f "$file" ] || continue
  name=$(basename "$file")
  case "$earlier" in *" $name "*) continue ;; esac
  written="$written $name"
  tidied=""
  if ends_cut_off "$file"; then drop_last_line "$file"; tidied="a cut-off last line"; fi
  if ends_inside_realloc "$file"; then drop_last_line "$file"; tidied="${tidied:+$tidied and }a half-written realloc"; fi
  if [ -n "$tidied" ]; then
    echo "capture-trace: dropped $tidied from $name (the process exec'd or _exit'ed)" >&2
  fi
done

if [ -z "$written" ]; then
  echo "capture-trace: no trace was written (is the program static, setuid, or not using glibc malloc?)" >&2
else
  set -- $written
  echo "capture-trace: $# trace file(s) in $out_dir (glibc $glibc_version):" >&2
  for name in "$@"; do
    printf '  %s  %s lines\n' "$name" "$(wc -l < "$out_dir/$name" | tr -d ' ')" >&2
  done
fi
exit "$status"
