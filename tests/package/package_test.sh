#!/usr/bin/env bash
# Builds tests/package/, a consumer project, against deltackpt and runs it,
# in one of two modes:
#
#   package_test.sh install BUILD_DIR WORK_DIR C_COMPILER CXX_COMPILER GENERATOR
#                           SOVERSION VERSION [SANITIZE]
#     Installs the build into a fresh prefix, checks what was installed
#     (files, soname, exported symbols), then builds the consumer against it:
#     through find_package and through pkg-config, each with the shared and
#     the static library, in C++ and in C.
#
#   package_test.sh add-subdirectory SOURCE_DIR WORK_DIR C_COMPILER CXX_COMPILER
#                                    GENERATOR WITH_POSTGRES [SANITIZE]
#     Builds the consumer with add_subdirectory(SOURCE_DIR), as a project that
#     vendors deltackpt would, and checks that embedding builds the library
#     and nothing else by default (no CLI, tests or bench, no build type or
#     compiler launcher imposed).
#
# SANITIZE (e.g. address,undefined): the library is built with these
# sanitizers, so consumers are built with them too.
set -euo pipefail
mode=$1; shift
case "$mode" in
  install) build=$1 work=$2 cc=$3 cxx=$4 generator=$5 soversion=$6 version=$7 sanitize=${8:-} ;;
  add-subdirectory) source=$1 work=$2 cc=$3 cxx=$4 generator=$5 with_postgres=$6 sanitize=${7:-} ;;
  *) echo "package_test: unknown mode '$mode' (install or add-subdirectory)" >&2; exit 2 ;;
esac
here=$(cd "$(dirname "$0")" && pwd)

fail() { echo "package_test: FAILED: $*" >&2; exit 1; }
step() { echo "== $*"; }

flags=()
if [ -n "$sanitize" ]; then flags=(-fsanitize="$sanitize" -fno-omit-frame-pointer); fi

run() {  # run NAME PROGRAM [ARGS...]: runs it, expects "ok" on stdout
  local name=$1 out
  shift
  out=$("$@") || fail "$name exited with $?"
  echo "$out"
  case "$out" in *ok*) ;; *) fail "$name printed no ok" ;; esac
}

needs_shared() {  # needs_shared PROGRAM yes|no
  if readelf -d "$1" | grep -q "NEEDED.*libdeltackpt\.so"; then
    [ "$2" = yes ] || fail "$1 links libdeltackpt.so, expected the static library"
  else
    [ "$2" = no ] || fail "$1 does not link libdeltackpt.so"
  fi
}

consumer() {  # consumer DIR SHARED(yes|no) [CMAKE ARGS...]: configures, builds and runs it
  local dir=$1 shared=$2 p
  shift 2
  cmake -S "$here" -B "$dir" -G "$generator" \
        -DCMAKE_C_COMPILER="$cc" -DCMAKE_CXX_COMPILER="$cxx" \
        -DCMAKE_C_FLAGS="${flags[*]:-}" -DCMAKE_CXX_FLAGS="${flags[*]:-}" "$@" > "$dir.log" 2>&1 \
    || { cat "$dir.log"; fail "configuring the consumer in $dir"; }
  cmake --build "$dir" >> "$dir.log" 2>&1 || { cat "$dir.log"; fail "building the consumer in $dir"; }
  for p in consumer_cpp consumer_c; do
    needs_shared "$dir/$p" "$shared"
  done
  rm -f "$dir/agent.db" "$dir/agent.db-wal" "$dir/agent.db-shm"
  run "$dir: consumer_cpp" "$dir/consumer_cpp" "$dir/agent.db"
  run "$dir: consumer_c" "$dir/consumer_c"
}

rm -rf "$work"
mkdir -p "$work"

if [ "$mode" = add-subdirectory ]; then
  step "add_subdirectory($source), no build type given"
  dir=$work/add-subdirectory
  launcher=()
  if command -v ccache > /dev/null; then launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache); fi
  consumer "$dir" no -DDELTACKPT_SOURCE_DIR="$source" -DDELTACKPT_WITH_POSTGRES="$with_postgres" \
           -DDELTACKPT_SANITIZE="$sanitize" "${launcher[@]}"
  grep -qx 'CMAKE_BUILD_TYPE:STRING=' "$dir/CMakeCache.txt" \
    || fail "add_subdirectory(deltackpt) changed CMAKE_BUILD_TYPE: $(grep '^CMAKE_BUILD_TYPE' "$dir/CMakeCache.txt")"
  for f in deltackpt/deltackpt deltackpt/bench deltackpt/tests deltackpt/workloads; do
    [ ! -e "$dir/$f" ] || fail "add_subdirectory(deltackpt) built $f"
  done
  echo "package_test: all passed"
  exit 0
fi

prefix=$work/prefix
step "cmake --install $build --prefix $prefix"
cmake --install "$build" --prefix "$prefix" > "$work/install.log"

# What a package manager would ship.
archive=$(find "$prefix" -name libdeltackpt.a | head -1)
[ -n "$archive" ] || fail "no libdeltackpt.a under $prefix"
libdir=$(dirname "$archive")
for f in include/deltackpt/deltackpt.hpp include/deltackpt/c.h include/deltackpt/export.hpp \
         include/deltackpt/config.hpp include/deltackpt/open.hpp include/deltackpt/backends/sqlite.hpp; do
  [ -f "$prefix/$f" ] || fail "$f is not installed"
done
for f in libdeltackpt.a "libdeltackpt.so.$version" "libdeltackpt.so.$soversion" libdeltackpt.so \
         cmake/deltackpt/deltackptConfig.cmake cmake/deltackpt/deltackptConfigVersion.cmake \
         cmake/deltackpt/deltackpt-shared-targets.cmake cmake/deltackpt/deltackpt-static-targets.cmake \
         pkgconfig/deltackpt.pc; do
  [ -e "$libdir/$f" ] || fail "$libdir/$f is not installed"
done
if find "$prefix/include" -path '*/src/*' | grep -q .; then fail "internal headers installed"; fi

step "soname"
soname=$(readelf -d "$libdir/libdeltackpt.so" | sed -n 's/.*Library soname: \[\(.*\)\]/\1/p')
[ "$soname" = "libdeltackpt.so.$soversion" ] || fail "soname is '$soname', expected libdeltackpt.so.$soversion"

step "exported symbols"
nm -D --defined-only "$libdir/libdeltackpt.so" | awk '{print $3}' | c++filt > "$work/symbols.txt"
for s in deltackpt_open deltackpt_close deltackpt_save deltackpt_load deltackpt_load_ns deltackpt_load_by_id deltackpt_info deltackpt_list deltackpt_namespaces deltackpt_put_writes deltackpt_writes \
         deltackpt_history deltackpt_threads deltackpt_remove_thread deltackpt_prune deltackpt_stats \
         deltackpt_verify deltackpt_errmsg deltackpt_error_retryable deltackpt_free deltackpt_version \
         deltackpt_status_name 'deltackpt::open(' 'deltackpt::DeltaCheckpointer::load_by_id(' \
         'typeinfo for deltackpt::Conflict' 'deltackpt::verify('; do
  grep -qF "$s" "$work/symbols.txt" || fail "the shared library does not export $s"
done
# Internals stay hidden: nothing of deltackpt::detail, nlohmann or dtl is
# exported in its own name (public functions mention nlohmann types in their
# signatures, which is fine).
if grep -E '^(deltackpt::detail::|nlohmann::|dtl::|sqlite3|LZ4|ZSTD)' "$work/symbols.txt"; then
  fail "internal symbols are exported (above)"
fi
echo "$(wc -l < "$work/symbols.txt") symbols exported"

step "find_package, shared (deltackpt::deltackpt_shared)"
consumer "$work/find-shared" yes -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_PREFIX_PATH="$prefix" \
         -DDELTACKPT_CONSUMER_TARGET=deltackpt::deltackpt_shared
step "find_package, static (deltackpt::deltackpt)"
consumer "$work/find-static" no -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_PREFIX_PATH="$prefix"

export PKG_CONFIG_PATH=$libdir/pkgconfig${PKG_CONFIG_PATH:+:$PKG_CONFIG_PATH}
step "pkg-config: $(pkg-config --modversion deltackpt)"
[ "$(pkg-config --modversion deltackpt)" = "$version" ] || fail "deltackpt.pc has the wrong version"
pc_libdir=$(pkg-config --variable=libdir deltackpt)
[ "$(cd "$pc_libdir" && pwd)" = "$(cd "$libdir" && pwd)" ] || fail "deltackpt.pc names libdir $pc_libdir"
read -r -a cflags <<< "$(pkg-config --cflags deltackpt)"
read -r -a libs <<< "$(pkg-config --libs deltackpt)"
# Static: the archive by name (-l would pick the .so next to it), then what
# it needs (sqlite3, lz4, the C++ runtime: Requires.private, Libs.private).
read -r -a static_libs <<< "$(pkg-config --static --libs deltackpt | sed 's/-ldeltackpt\b/-l:libdeltackpt.a/')"
cxxflags=(-std=c++20 -Wall -Wextra -Wpedantic -Werror -Wno-missing-field-initializers "${flags[@]}")
cflags_c=(-std=c99 -Wall -Wextra -Wpedantic -Werror "${flags[@]}")
dir=$work/pkg-config
mkdir -p "$dir"

step "pkg-config, shared"
"$cxx" "${cxxflags[@]}" "$here/consumer.cpp" "${cflags[@]}" "${libs[@]}" -Wl,-rpath,"$pc_libdir" -o "$dir/consumer_cpp_shared"
"$cc" "${cflags_c[@]}" "$here/consumer.c" "${cflags[@]}" "${libs[@]}" -Wl,-rpath,"$pc_libdir" -o "$dir/consumer_c_shared"
for p in consumer_cpp_shared consumer_c_shared; do
  needs_shared "$dir/$p" yes
  run "pkg-config $p" "$dir/$p"
done

step "pkg-config, static"
"$cxx" "${cxxflags[@]}" "$here/consumer.cpp" "${cflags[@]}" "${static_libs[@]}" -o "$dir/consumer_cpp_static"
"$cc" "${cflags_c[@]}" "$here/consumer.c" "${cflags[@]}" "${static_libs[@]}" -o "$dir/consumer_c_static"
for p in consumer_cpp_static consumer_c_static; do
  needs_shared "$dir/$p" no
  run "pkg-config $p" "$dir/$p"
done

echo "package_test: all passed"
