"""A small GPT-style decoder for ecolink/tiny-chat.

Attention is written out by hand (rather than nn.MultiheadAttention) so the same
module serves training and an ONNX graph with a key/value cache: the exported
forward takes the cache of the tokens already seen and returns it grown by the
new tokens, so each generated token costs one short step instead of a full
recompute.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
import torch.nn as nn
import torch.nn.functional as F


@dataclass
class Config:
    vocab_size: int = 2048
    context_length: int = 256
    n_layer: int = 5
    n_head: int = 8
    d_model: int = 256
    dropout: float = 0.1


class Block(nn.Module):
    def __init__(self, cfg: Config):
        super().__init__()
        self.n_head = cfg.n_head
        self.head_dim = cfg.d_model // cfg.n_head
        self.ln1 = nn.LayerNorm(cfg.d_model)
        self.qkv = nn.Linear(cfg.d_model, 3 * cfg.d_model)
        self.proj = nn.Linear(cfg.d_model, cfg.d_model)
        self.ln2 = nn.LayerNorm(cfg.d_model)
        self.fc = nn.Linear(cfg.d_model, 4 * cfg.d_model)
        self.fc_out = nn.Linear(4 * cfg.d_model, cfg.d_model)
        self.drop = nn.Dropout(cfg.dropout)

    def forward(self, x: torch.Tensor, mask: torch.Tensor, past: torch.Tensor | None):
        b, t, d = x.shape
        q, k, v = self.qkv(self.ln1(x)).split(d, dim=2)
        q = q.view(b, t, self.n_head, self.head_dim).transpose(1, 2)
        k = k.view(b, t, self.n_head, self.head_dim).transpose(1, 2)
        v = v.view(b, t, self.n_head, self.head_dim).transpose(1, 2)
        if past is not None:
            k = torch.cat([past[0], k], dim=2)
            v = torch.cat([past[1], v], dim=2)
        present = torch.stack([k, v], dim=0)
        att = (q @ k.transpose(-2, -1)) * (1.0 / math.sqrt(self.head_dim))
        att = att + mask
        # No dropout on attention probabilities: it cost a quarter of the CPU step time.
        att = F.softmax(att, dim=-1)
        y = (att @ v).transpose(1, 2).reshape(b, t, d)
        x = x + self.drop(self.proj(y))
        x = x + self.drop(self.fc_out(F.gelu(self.fc(self.ln2(x)))))
        return x, present


class TinyChat(nn.Module):
    def __init__(self, cfg: Config):
        super().__init__()
        self.cfg = cfg
        self.wte = nn.Embedding(cfg.vocab_size, cfg.d_model)
        self.wpe = nn.Embedding(cfg.context_length, cfg.d_model)
        self.drop = nn.Dropout(cfg.dropout)
        self.blocks = nn.ModuleList([Block(cfg) for _ in range(cfg.n_layer)])
        self.ln_f = nn.LayerNorm(cfg.d_model)
        self.apply(self._init)
        for name, p in self.named_parameters():
            if name.endswith("proj.weight") or name.endswith("fc_out.weight"):
                nn.init.normal_(p, mean=0.0, std=0.02 / math.sqrt(2 * cfg.n_layer))

    @staticmethod
    def _init(m: nn.Module):
        if isinstance(m, nn.Linear):
            nn.init.normal_(m.weight, mean=0.0, std=0.02)
            if m.bias is not None:
                nn.init.zeros_(m.bias)
        elif isinstance(m, nn.Embedding):
            nn.init.normal_(m.weight, mean=0.0, std=0.02)

    def forward(self, input_ids: torch.Tensor, past_key_values: torch.Tensor | None = None):
        """input_ids [B, T]; past_key_values [n_layer, 2, B, H, P, head_dim] or None.

        Returns logits [B, T, V] and present [n_layer, 2, B, H, P+T, head_dim].
        """
        t = input_ids.shape[1]
        past_len = 0 if past_key_values is None else past_key_values.shape[4]
        pos = torch.arange(t, device=input_ids.device) + past_len
        x = self.drop(self.wte(input_ids) + self.wpe(pos))
        k_pos = torch.arange(t + past_len, device=input_ids.device)
        # Query i sits at absolute position past_len + i and may see keys up to it.
        mask = torch.where(
            k_pos.unsqueeze(0) > pos.unsqueeze(1),
            torch.tensor(float("-inf")),
            torch.tensor(0.0),
        )
        presents = []
        for i, block in enumerate(self.blocks):
            x, present = block(x, mask, None if past_key_values is None else past_key_values[i])
            presents.append(present)
        x = self.ln_f(x)
        # Output projection tied to the token embedding (saves vocab*d parameters).
        # F.linear on a 2-D input exports as Gemm(transB=1), which reads the same
        # initializer as the embedding Gather instead of a folded transposed copy.
        b, t, d = x.shape
        logits = F.linear(x.reshape(b * t, d), self.wte.weight).reshape(b, t, -1)
        return logits, torch.stack(presents, dim=0)


class ExportWrapper(nn.Module):
    """Always-with-cache signature for ONNX: an empty cache (P = 0) means prefill."""

    def __init__(self, model: TinyChat):
        super().__init__()
        self.model = model

    def forward(self, input_ids: torch.Tensor, past_key_values: torch.Tensor):
        return self.model(input_ids, past_key_values)
