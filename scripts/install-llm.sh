#!/usr/bin/env bash
# Installs the llm extra into the venv, building llama-cpp-python from source *portably*.
#
# llama.cpp's default build is native (-march=native): on an Intel Xeon it compiles AMX and
# AVX-512 kernels that crash with SIGSEGV/SIGILL on any other CPU, and a venv or wheel cache
# copied between machines carries that build along. The portable flags below use only what every
# x86-64 machine of this project has (AVX2, FMA, F16C, BMI2); AVX-512 and AMX stay off.
#
#   LLAMA_NATIVE=1 make install-llm   # opt in to a native build, for speed on this machine only
#
# The built wheel is kept in a cache keyed by the version and the flags (and, for native builds,
# the CPU), so `make clean && make test` does not rebuild it. The flags live here and nowhere else.
set -euo pipefail

VENV=${VENV:-.venv}
PY="$VENV/bin/python"
LLAMA_CPP_VERSION=${LLAMA_CPP_VERSION:-0.3.36}
LLAMA_NATIVE=${LLAMA_NATIVE:-0}

PORTABLE_FLAGS="-DGGML_NATIVE=OFF -DGGML_AVX=ON -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON \
-DGGML_BMI2=ON -DGGML_AVX512=OFF -DGGML_AVX512_VBMI=OFF -DGGML_AVX512_VNNI=OFF \
-DGGML_AVX512_BF16=OFF -DGGML_AMX_TILE=OFF -DGGML_AMX_INT8=OFF -DGGML_AMX_BF16=OFF"
NATIVE_FLAGS="-DGGML_NATIVE=ON"

case "$LLAMA_NATIVE" in
  0 | "") flags=$PORTABLE_FLAGS; kind=portable ;;
  1) flags=$NATIVE_FLAGS; kind="native-$(grep -m1 '^flags' /proc/cpuinfo | cksum | cut -d' ' -f1)" ;;
  *) echo "LLAMA_NATIVE=$LLAMA_NATIVE: use 0 (portable, the default) or 1 (native build)" >&2; exit 2 ;;
esac

want="llama-cpp-python==$LLAMA_CPP_VERSION $kind $flags"
stamp="$VENV/.installed-llm"
state="$want $(sha256sum pyproject.toml | cut -c1-16)"
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$state" ] && "$PY" -c "import llama_cpp" 2>/dev/null; then
  exit 0
fi

key=$(printf '%s %s' "$(uname -m)" "$want" | sha256sum | cut -c1-16)
cache="${XDG_CACHE_HOME:-$HOME/.cache}/cited-qa/llama-wheels/$key"
if ! ls "$cache"/llama_cpp_python-*.whl >/dev/null 2>&1; then
  echo "Building llama-cpp-python $LLAMA_CPP_VERSION ($kind build, about 7 minutes on 2 cores)..."
  rm -rf "$cache.tmp"
  CMAKE_ARGS="$flags" "$PY" -m pip wheel --quiet --no-deps --no-cache-dir --no-binary llama-cpp-python \
    -w "$cache.tmp" "llama-cpp-python==$LLAMA_CPP_VERSION"
  mv "$cache.tmp" "$cache"
fi
"$PY" -m pip install --quiet --force-reinstall --no-deps "$cache"/llama_cpp_python-*.whl
"$PY" -m pip install --quiet -e '.[test,llm,test-llm]'
echo "$state" > "$stamp"
