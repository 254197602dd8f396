#!/usr/bin/env bash
# Builds and installs the Arcade Learning Environment's C++ library outside this repository.
#
#   scripts/build-ale.sh <ALE source: a .tar.gz of it or its folder> <work folder>
#
# Installs into <work folder>/ale-install and copies the ROMs the source ships (tests/resources/*.bin,
# i.e. tetris.bin) into <work folder>/roms. Then configure dreamer with
#   CMAKE_PREFIX_PATH=<work folder>/ale-install   and run with   ALE_ROM_DIR=<work folder>/roms
# A second call with the same source does nothing. Needs g++, cmake and zlib1g-dev
# (scripts/install-deps.sh installs them); about 5 minutes on 2 cores.
set -euo pipefail
if [ $# -ne 2 ]; then
  echo "usage: $0 <ALE source .tar.gz or folder> <work folder>" >&2
  exit 2
fi
source="$1"
work="$2"
mkdir -p "$work"
work="$(cd "$work" && pwd)"
prefix="$work/ale-install"
stamp="$prefix/.built-from"
if [ -f "$source" ]; then
  id="$(sha256sum "$source" | cut -d' ' -f1)"
elif [ -d "$source" ]; then
  id="$(cd "$source" && pwd)"
else
  echo "build-ale: '$source' is neither an ALE source tarball nor a folder" >&2
  exit 2
fi
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$id" ] && [ -f "$prefix/lib/cmake/ale/ale-config.cmake" ]; then
  echo "build-ale: ALE already installed in $prefix"
  exit 0
fi

if [ -f "$source" ]; then
  rm -rf "$work/src"
  mkdir -p "$work/src"
  tar xzf "$source" -C "$work/src"
  marker="$(find "$work/src" -maxdepth 3 -name version.txt -print -quit)"
  if [ -z "$marker" ]; then
    echo "build-ale: '$source' holds no ALE source tree (no version.txt within three levels)" >&2
    exit 2
  fi
  tree="$(dirname "$marker")"
else
  tree="$(cd "$source" && pwd)"
fi
if [ ! -f "$tree/CMakeLists.txt" ] || [ ! -f "$tree/src/ale/ale_interface.hpp" ]; then
  echo "build-ale: '$tree' is not an ALE source tree (no CMakeLists.txt or src/ale/ale_interface.hpp)" >&2
  exit 2
fi
echo "build-ale: building ALE from $tree into $prefix"
rm -rf "$work/build" "$prefix"   # a failed or older build leaves nothing behind
log="$work/configure.log"
trap 'echo "build-ale: failed; the end of $log:" >&2; tail -n 30 "$log" >&2' ERR
cmake -S "$tree" -B "$work/build" -DCMAKE_BUILD_TYPE=Release -DBUILD_CPP_LIB=ON -DBUILD_PYTHON_LIB=OFF \
  -DSDL_SUPPORT=OFF -DCMAKE_INSTALL_PREFIX="$prefix" >"$log" 2>&1
log="$work/build.log"
cmake --build "$work/build" -j"$(nproc)" >"$log" 2>&1
log="$work/install.log"
cmake --install "$work/build" >"$log" 2>&1
trap - ERR
mkdir -p "$work/roms"
find "$tree" -path '*tests/resources/*.bin' -exec cp {} "$work/roms/" \;
if [ -z "$(ls "$work/roms")" ]; then echo "build-ale: note: the source ships no ROM (tests/resources/*.bin)"; fi
echo "$id" >"$stamp"
echo "build-ale: installed in $prefix; ROMs in $work/roms: $(ls "$work/roms" | tr '\n' ' ')"
