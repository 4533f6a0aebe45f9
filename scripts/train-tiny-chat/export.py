"""Re-export models/tiny-chat/{model.onnx,config.json} from a train.py checkpoint.

Useful after changing the export code without retraining:
    /usr/bin/python3 scripts/train-tiny-chat/export.py [--checkpoint /tmp/tiny-chat-train/model.pt]
"""

from __future__ import annotations

import argparse
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from model import Config, TinyChat  # noqa: E402
from train import export_onnx, write_model_config  # noqa: E402


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    ap = argparse.ArgumentParser()
    ap.add_argument("--checkpoint", default="/tmp/tiny-chat-train/model.pt")
    ap.add_argument("--out", default=os.path.join(here, "..", "..", "models", "tiny-chat"))
    args = ap.parse_args()
    ck = torch.load(args.checkpoint)
    cfg = Config(**ck["config"])
    model = TinyChat(cfg)
    model.load_state_dict(ck["state_dict"])
    export_onnx(model, os.path.join(args.out, "model.onnx"))
    write_model_config(cfg, os.path.join(args.out, "config.json"))
    print("exported to", os.path.abspath(args.out))


if __name__ == "__main__":
    main()
