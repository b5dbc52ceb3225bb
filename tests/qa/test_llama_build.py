"""The installed llama.cpp build runs on any x86-64 machine of the project, and a crash of its
native code is one failed test with the signal and the fix."""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path

import pytest

from tests.conftest import smollm2_path
from tests.llama_build import (
    FIX,
    crash_reason,
    first_contact,
    installed_system_info,
    non_portable,
    run_first_contact,
    system_features,
)

NATIVE_XEON = (
    "CPU : SSE3 = 1 | SSSE3 = 1 | AVX = 1 | AVX_VNNI = 1 | AVX2 = 1 | F16C = 1 | FMA = 1 | "
    "BMI2 = 1 | AVX512 = 1 | AVX512_VBMI = 1 | AVX512_VNNI = 1 | AVX512_BF16 = 1 | "
    "AMX_INT8 = 1 | LLAMAFILE = 1 | OPENMP = 1 | REPACK = 1 | "
)
PORTABLE = (
    "CPU : SSE3 = 1 | SSSE3 = 1 | AVX = 1 | AVX2 = 1 | F16C = 1 | FMA = 1 | BMI2 = 1 | "
    "LLAMAFILE = 1 | OPENMP = 1 | REPACK = 1 | "
)


def _need_llama() -> None:
    if importlib.util.find_spec("llama_cpp") is None:
        if os.environ.get("CI"):
            pytest.fail("llama_cpp is missing: `make test` installs the llm extra")
        pytest.skip("the llm extra is not installed (make install-llm)")


def test_native_features_are_named_and_portable_ones_pass() -> None:
    assert non_portable(system_features(NATIVE_XEON)) == [
        "AMX_INT8",
        "AVX512",
        "AVX512_BF16",
        "AVX512_VBMI",
        "AVX512_VNNI",
        "AVX_VNNI",
    ]
    assert non_portable(system_features(PORTABLE)) == []
    assert system_features(PORTABLE)["AVX2"] is True


def test_a_child_killed_by_a_signal_is_named_with_the_fix(tmp_path: Path) -> None:
    crash = "import os, signal; os.kill(os.getpid(), signal.SIGSEGV)"
    reason = run_first_contact(tmp_path / "m.gguf", code=crash, timeout=60)
    assert reason is not None
    assert "crashed with SIGSEGV" in reason and FIX in reason
    assert crash_reason(0, "", "x") is None
    assert crash_reason(1, "Traceback\nValueError: bad file\n", "x") == (
        "x failed (exit 1): ValueError: bad file"
    )


@pytest.mark.slow
def test_the_installed_llama_cpp_is_a_portable_build() -> None:
    _need_llama()
    info = installed_system_info()
    features = system_features(info)
    assert features, f"llama_print_system_info() said nothing we can read: {info!r}"
    bad = non_portable(features)
    if bad:
        pytest.fail(
            f"llama.cpp was built for this CPU only (compiled with {', '.join(bad)}), "
            f"so it crashes on other machines; {FIX}",
            pytrace=False,
        )


@pytest.mark.slow
def test_first_contact_with_the_local_model_in_a_child_process() -> None:
    reason = first_contact(smollm2_path())
    if reason:
        pytest.fail(reason, pytrace=False)
