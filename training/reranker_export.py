"""The trained model as the project ships it: ONNX export, int8 quantisation, the folder
`CrossEncoder` reads, and the files' checksums."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path
from typing import Any

from qa.answering.cross_encoder import MODEL_FILE, PROVENANCE_FILE, TOKENIZER_FILE


def export(model: Any, out_dir: Path) -> Path:
    """The model's ONNX export (fp32) and tokenizer in `out_dir`."""
    import torch

    out_dir.mkdir(parents=True, exist_ok=True)
    hf = model.model.eval()
    tok = model.tokenizer
    sample = tok([("a question", "a sentence")], return_tensors="pt")
    names = ["input_ids", "attention_mask", "token_type_ids"]

    class _Logits(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.model = hf

        def forward(self, input_ids: Any, attention_mask: Any, token_type_ids: Any) -> Any:
            return self.model(
                input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids
            ).logits

    target = out_dir / "reranker-fp32.onnx"
    with torch.no_grad():
        torch.onnx.export(
            _Logits(),
            tuple(sample[n] for n in names),
            str(target),
            input_names=names,
            output_names=["logits"],
            dynamic_axes={
                **{n: {0: "batch", 1: "sequence"} for n in names},
                "logits": {0: "batch"},
            },
            opset_version=17,
            dynamo=False,
        )
    tok.backend_tokenizer.save(str(out_dir / TOKENIZER_FILE))
    return target


# Dynamic int8 quantisation, weights as unsigned or signed 8 bits, tried in this order.
QUANTISATIONS = ("uint8", "int8")
QUANT_NOTE = {
    "uint8": "int8 dynamic (onnxruntime quantize_dynamic, QUInt8 weights: u8u8 kernels, which "
    "do not saturate on CPUs without VNNI)",
    "int8": "int8 dynamic (onnxruntime quantize_dynamic, QInt8 weights)",
}


def quantize(fp32: Path, target: Path, weights: str) -> Path:
    """Dynamic int8 quantisation of the weights (onnxruntime.quantization)."""
    from onnxruntime.quantization import QuantType, quantize_dynamic

    kind = QuantType.QUInt8 if weights == "uint8" else QuantType.QInt8
    quantize_dynamic(str(fp32), str(target), weight_type=kind)
    return target


def ship_folder(model: Path, stage: Path, folder: Path, fmt: str) -> Path:
    """A model folder as `CrossEncoder` reads it: `model`, the tokenizer in `stage`, and the
    pair format."""
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copy(model, folder / MODEL_FILE)
    shutil.copy(stage / TOKENIZER_FILE, folder / TOKENIZER_FILE)
    (folder / PROVENANCE_FILE).write_text(json.dumps({"pair_format": fmt}), encoding="utf-8")
    return folder


def sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        while block := f.read(1 << 20):
            h.update(block)
    return h.hexdigest()
