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
  tree="$(dirname "$(find "$work/src" -maxdepth 3 -name version.txt | head -n1)")"
else
  tree="$(cd "$source" && pwd)"
fi
if [ ! -f "$tree/CMakeLists.txt" ]; then
  echo "build-ale: no CMakeLists.txt of ALE found in '$source'" >&2
  exit 2
fi
echo "build-ale: building ALE from $tree into $prefix"
cmake -S "$tree" -B "$work/build" -DCMAKE_BUILD_TYPE=Release -DBUILD_CPP_LIB=ON -DBUILD_PYTHON_LIB=OFF \
  -DSDL_SUPPORT=OFF -DCMAKE_INSTALL_PREFIX="$prefix" >"$work/configure.log"
cmake --build "$work/build" -j"$(nproc)" >"$work/build.log"
cmake --install "$work/build" >"$work/install.log"
mkdir -p "$work/roms"
find "$tree" -path '*tests/resources/*.bin' -exec cp {} "$work/roms/" \;
echo "$id" >"$stamp"
echo "build-ale: installed in $prefix; ROMs in $work/roms: $(ls "$work/roms" | tr '\n' ' ')"
