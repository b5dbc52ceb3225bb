"""Checks of the installed llama.cpp build: portable CPU features, and a first contact with a
model in a child process so that a crash of native code is one failed test, not a lost run."""

from __future__ import annotations

import functools
import re
import signal
import subprocess
import sys
from pathlib import Path

FIX = "rebuild it portably with `make clean-llm install-llm`"

# CPU features a portable build may use: every x86-64 machine this project runs on has them.
PORTABLE = {"SSE3", "SSSE3", "AVX", "AVX2", "F16C", "FMA", "BMI2"}
# Features of a native build on a newer CPU, which crash (SIGILL, or SIGSEGV in the AMX
# kernels) on machines without them.
NATIVE_ONLY = re.compile(r"^(AVX512\w*|AMX\w*|AVX_VNNI|AVX_VNNI_INT\w*)$")

FIRST_CONTACT = """
import sys
from llama_cpp import Llama
llm = Llama(model_path=sys.argv[1], n_ctx=256, n_threads=2, verbose=False)
out = llm.create_chat_completion([{"role": "user", "content": "Say hi."}], max_tokens=4)
print(repr(out["choices"][0]["message"]["content"]))
"""


def system_features(info: str) -> dict[str, bool]:
    """`NAME = 1` pairs of `llama_print_system_info()`, e.g. {"AVX2": True, "AMX_INT8": False}."""
    return {name: value == "1" for name, value in re.findall(r"\b([A-Z][A-Z0-9_]*) = (\d)", info)}


def non_portable(features: dict[str, bool]) -> list[str]:
    """The compiled-in CPU features that a portable build must not have."""
    return sorted(name for name, on in features.items() if on and NATIVE_ONLY.match(name))


def installed_system_info() -> str:
    """What the installed llama.cpp library says it was compiled with."""
    import llama_cpp

    info = llama_cpp.llama_print_system_info()
    return info.decode() if isinstance(info, bytes) else str(info)


def crash_reason(returncode: int, stderr: str, what: str) -> str | None:
    """One line for a child that died of a signal or failed, or None when it exited 0."""
    if returncode == 0:
        return None
    if returncode < 0:
        name = signal.Signals(-returncode).name
        return f"{what} crashed with {name}: the llama.cpp build does not suit this CPU; {FIX}"
    last = (stderr.strip().splitlines() or ["no message"])[-1]
    return f"{what} failed (exit {returncode}): {last}"


def run_first_contact(gguf: Path, code: str = FIRST_CONTACT, timeout: float = 300) -> str | None:
    """Load `gguf` and ask one short completion in a child process; None when that worked."""
    what = f"loading {gguf.name} and one short completion"
    try:
        done = subprocess.run(
            [sys.executable, "-c", code, str(gguf)],
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
    except subprocess.TimeoutExpired:
        return f"{what} took over {timeout:.0f} s"
    return crash_reason(done.returncode, done.stderr, what)


@functools.cache
def first_contact(gguf: Path) -> str | None:
    """`run_first_contact`, once per test session."""
    return run_first_contact(gguf)
