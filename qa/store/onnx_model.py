"""The packaged sentence-transformers model exported once to ONNX, for onnxruntime.

The export runs `torch.onnx.export` over the model's transformer (its last hidden state; mean
pooling and L2 normalisation are done in numpy by `qa.store.embeddings`). It needs torch, which
the query path then never imports. The file is kept in `Settings.models_dir`, named by a hash
of the model's files (and of this exporter's version), so another model version is exported
anew; it is written to a temporary file and renamed, so a reader never sees half a file.

    python -m qa.store.onnx_model      # export now (`make install` does), print the path
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import tempfile
from collections.abc import Callable
from pathlib import Path

__all__ = ["EXPORT_VERSION", "export_onnx", "model_fingerprint", "onnx_path", "prepare_onnx"]

# Bump when the export changes (inputs, outputs, opset), so that files made before are not used.
EXPORT_VERSION = "1"
INPUTS = ("input_ids", "attention_mask", "token_type_ids")
OUTPUT = "last_hidden_state"
_OPSET = 17
# Files of a model folder that don't decide its vectors.
_IGNORED = {"README.md", ".gitattributes"}
_MEMO = "fingerprints.json"


def _model_files(model_path: Path) -> list[Path]:
    return sorted(p for p in model_path.rglob("*") if p.is_file() and p.name not in _IGNORED)


def model_fingerprint(model_path: Path, memo_dir: Path | None = None) -> str:
    """A sha256 of the model's files (names and contents), 16 hex digits.

    Hashing the weights takes about 0.2 s, so the result is remembered in `memo_dir` under the
    files' sizes and modification times; files changed in any way are hashed again.
    """
    files = _model_files(model_path)
    stamp = hashlib.sha256(
        "\n".join(
            f"{p.relative_to(model_path)}:{p.stat().st_size}:{p.stat().st_mtime_ns}" for p in files
        ).encode()
    ).hexdigest()
    memo_file = memo_dir / _MEMO if memo_dir else None
    memo: dict[str, dict[str, str]] = {}
    if memo_file is not None:
        try:
            memo = json.loads(memo_file.read_text())
        except (OSError, ValueError):
            memo = {}
    known = memo.get(str(model_path.resolve()), {})
    if known.get("stamp") == stamp and known.get("sha256"):
        return known["sha256"]
    digest = hashlib.sha256()
    for p in files:
        digest.update(str(p.relative_to(model_path)).encode() + b"\0")
        with p.open("rb") as f:
            while block := f.read(1 << 20):
                digest.update(block)
    fingerprint = digest.hexdigest()[:16]
    if memo_file is not None:
        memo[str(model_path.resolve())] = {"stamp": stamp, "sha256": fingerprint}
        with contextlib.suppress(OSError):  # only a cache: the next process hashes again
            _write_atomically(memo_file, lambda tmp: tmp.write_text(json.dumps(memo, indent=1)))
    return fingerprint


def onnx_path(model_path: Path, models_dir: Path) -> Path:
    """Where the ONNX export of `model_path` is kept in `models_dir`."""
    fingerprint = model_fingerprint(model_path, models_dir)
    return models_dir / f"embeddings-{fingerprint}-v{EXPORT_VERSION}.onnx"


def _write_atomically(target: Path, write: Callable[[Path], object]) -> None:
    """Call `write(tmp)` for a temporary file beside `target`, then rename it to `target`."""
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    os.close(fd)
    tmp = Path(name)
    try:
        write(tmp)
        tmp.chmod(0o644)  # as a file written in place would be (mkstemp makes it 0o600)
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)


def export_onnx(model_path: Path, target: Path) -> Path:
    """Export the transformer of the sentence-transformers model at `model_path` to `target`.

    Inputs `input_ids`, `attention_mask` and `token_type_ids` (int64, batch x sequence, both
    dynamic); output `last_hidden_state` (batch x sequence x hidden).
    """
    import torch
    from transformers import AutoModel
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()  # no "Loading weights" bar
    model = AutoModel.from_pretrained(
        str(model_path), local_files_only=True, attn_implementation="eager"
    ).eval()

    class _Hidden(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.model = model

        def forward(
            self,
            input_ids: torch.Tensor,
            attention_mask: torch.Tensor,
            token_type_ids: torch.Tensor,
        ) -> torch.Tensor:
            out = self.model(
                input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids
            )
            return out.last_hidden_state

    sample = torch.ones(2, 8, dtype=torch.long)
    axes = {name: {0: "batch", 1: "sequence"} for name in (*INPUTS, OUTPUT)}

    def write(tmp: Path) -> None:
        with torch.no_grad():
            torch.onnx.export(
                _Hidden(),
                (sample, sample, torch.zeros_like(sample)),
                str(tmp),
                input_names=list(INPUTS),
                output_names=[OUTPUT],
                dynamic_axes=axes,
                opset_version=_OPSET,
                dynamo=False,
            )

    _write_atomically(target, write)
    return target


def prepare_onnx(model_path: Path, models_dir: Path) -> Path:
    """The ONNX file of `model_path` in `models_dir`, exported first if it is not there."""
    target = onnx_path(model_path, models_dir)
    if not target.is_file():
        export_onnx(model_path, target)
    return target


def main() -> None:
    """Export the packaged model for the configured `QA_MODELS_DIR` and print the file."""
    import warnings

    from core.settings import Settings
    from qa.store.model_files import packaged_model_path, stay_offline

    stay_offline()
    warnings.filterwarnings("ignore")  # the tracer's warnings are about cases the model avoids
    print(prepare_onnx(packaged_model_path(), Settings.from_env().models_dir))


if __name__ == "__main__":
    main()
