"""Training the MiniLM cross-encoder on the pairs (fixed seed), one more epoch on a trained
one, and loading a variant saved by an earlier step."""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from qa.answering.cross_encoder import MAX_PIECES

SEED = 1234


def train(
    base: Path,
    pairs: Sequence[tuple[str, str, int]],
    epochs: int,
    log: Callable[[str], None],
) -> Any:
    """A MiniLM cross-encoder trained on `pairs` (fixed seed)."""
    import torch
    from sentence_transformers import InputExample
    from sentence_transformers.cross_encoder import CrossEncoder as STCrossEncoder
    from torch.utils.data import DataLoader
    from transformers.utils import logging as hf_logging

    hf_logging.set_verbosity_error()
    torch.manual_seed(SEED)
    random.seed(SEED)
    model = STCrossEncoder(str(base), num_labels=1, max_length=MAX_PIECES, device="cpu")
    examples = [InputExample(texts=[q, s], label=float(lab)) for q, s, lab in pairs]
    g = torch.Generator().manual_seed(SEED)
    loader = DataLoader(examples, shuffle=True, batch_size=16, generator=g)  # type: ignore[arg-type]
    steps = len(loader) * epochs
    t0 = time.perf_counter()
    model.old_fit(
        train_dataloader=loader,
        epochs=epochs,
        warmup_steps=int(0.1 * steps),
        optimizer_params={"lr": 2e-5},
        show_progress_bar=True,
    )
    log(f"  trained {len(pairs)} pairs x {epochs} epochs in {time.perf_counter() - t0:.0f} s")
    return model


def load_trained(folder: Path) -> Any:
    """A variant saved by an earlier step (sentence-transformers' folder)."""
    from sentence_transformers.cross_encoder import CrossEncoder as STCrossEncoder

    return STCrossEncoder(str(folder), num_labels=1, max_length=MAX_PIECES, device="cpu")


def more_epoch(
    model: Any, pairs: Sequence[tuple[str, str, int]], log: Callable[[str], None]
) -> Any:
    """One more epoch over `pairs`, reshuffled, at half the learning rate, no warm-up."""
    import torch
    from sentence_transformers import InputExample
    from torch.utils.data import DataLoader

    torch.manual_seed(SEED + 1)
    g = torch.Generator().manual_seed(SEED + 1)
    ex = [InputExample(texts=[q, s], label=float(lab)) for q, s, lab in pairs]
    loader = DataLoader(ex, shuffle=True, batch_size=16, generator=g)  # type: ignore[arg-type]
    t0 = time.perf_counter()
    model.old_fit(
        train_dataloader=loader,
        epochs=1,
        warmup_steps=0,
        optimizer_params={"lr": 1e-5},
        show_progress_bar=True,
    )
    log(f"  one more epoch (lr 1e-5) in {time.perf_counter() - t0:.0f} s")
    return model
