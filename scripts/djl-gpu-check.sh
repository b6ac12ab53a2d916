#!/usr/bin/env bash
# The DJL batch engine on a CUDA device (issue #20 point 4): the parity test against the Java engine,
# then BatchEngineBench at batch 256 and 2,048 with the DJL engine on the GPU and the Java engine
# beside it. Run from the repository root on a machine with an NVIDIA GPU.
#
# PyTorch's CUDA build comes from a local libtorch, e.g. the one inside a pip install of
# torch 2.7.1 (the version pytorch-jni 2.7.1-0.36.0 is built for):
#   pip install torch==2.7.1 --index-url https://download.pytorch.org/whl/cu128
#   PYTORCH_LIBRARY_PATH=$(python -c 'import torch, os; print(os.path.dirname(torch.__file__))')/lib \
#     scripts/djl-gpu-check.sh
# DJL loads PYTORCH_LIBRARY_PATH before the CPU build on the test classpath (STACK.md, DJL). On its
# first CUDA run DJL may need its JNI library for that flavor (libdjl_torch.so) in DJL_CACHE_DIR.
set -euo pipefail

if ! command -v nvidia-smi >/dev/null || ! nvidia-smi -L >/dev/null 2>&1; then
  echo "djl-gpu-check: no CUDA device (nvidia-smi finds none); nothing run" >&2
  exit 2
fi
: "${PYTORCH_LIBRARY_PATH:?set PYTORCH_LIBRARY_PATH to a CUDA build of libtorch 2.7.1 (see the header)}"
export PYTORCH_VERSION="${PYTORCH_VERSION:-2.7.1}"
export PYTORCH_FLAVOR="${PYTORCH_FLAVOR:-cu128}"
nvidia-smi -L
uptime

# Parity on the GPU: losses and row gradients of both engines, DARE, TWIN, TWIN_PROJ, aux on/off.
mvn -B -ntp -pl model -am test -Dtest='DjlBatchEngineTest,DjlAutogradCheckTest' \
  -Dsurefire.failIfNoSpecifiedTests=false -Ddare.djl.device=gpu

# Samples/s = batch / (ms per op) * 1000. PyTorch threads are left to DJL's default on the GPU.
mvn -B -ntp -q -pl model -am test-compile dependency:build-classpath \
  -Dmdep.outputFile=/tmp/model-cp.txt -Dmdep.includeScope=test
CP=model/target/test-classes:model/target/classes:$(cat /tmp/model-cp.txt)
VEC="--add-modules jdk.incubator.vector"
java $VEC -cp "$CP" org.openjdk.jmh.Main BatchEngineBench -p batch=256,2048 -p engine=java,djl \
  -p device=gpu -f 1 -wi 3 -i 5 -w 2s -r 2s -jvmArgsAppend "--add-modules=jdk.incubator.vector"
uptime
