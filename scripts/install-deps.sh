#!/usr/bin/env bash
# Installs the Debian (bookworm) packages dreamer.cpp builds, runs and tests with.
set -euo pipefail
packages=(
  g++ cmake ninja-build pkg-config
  libtorch-dev          # LibTorch: tensors and autograd
  libopenblas0-openmp   # fast BLAS: Debian's default reference BLAS is ~12x slower
  libyaml-cpp-dev libcli11-dev libfmt-dev nlohmann-json3-dev zlib1g-dev
  libprotobuf-dev protobuf-compiler   # TensorBoard event files (protoc generates the Event classes)
  libgif-dev            # giflib: GIF videos
  libgloo-dev           # Gloo's headers, which LibTorch's c10d headers include (data-parallel training)
  libgoogle-perftools-dev  # tcmalloc: glibc's malloc page-faults large tensors back in every update
  libgtest-dev
  python3-numpy         # tests check that numpy reads the replay's .npz files
  python3-matplotlib    # scripts/plot_metrics.py: returns against frames and hours as a PNG
  strace                # tests/cli/faults.sh: kill -9 injected inside a checkpoint write
  libmujoco-dev libqhull-dev  # MuJoCo tasks (its CMake config names qhull's headers)
  libmujoco-samples     # MuJoCo's sample models (the humanoid)
  libegl-dev libegl-mesa0 libgl1-mesa-dri  # offscreen rendering: EGL surfaceless on Mesa's software driver
)
sudo=""
if [ "$(id -u)" != 0 ]; then sudo="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${packages[@]}" >/dev/null
