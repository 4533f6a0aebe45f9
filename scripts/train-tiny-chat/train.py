"""Train ecolink/tiny-chat end to end and write models/tiny-chat/.

Steps: train a byte-level BPE on the corpus, build chat-formatted sequences,
train the decoder on CPU within a wall-clock budget, export ONNX with a KV cache,
and write tokenizer.json. See README.md for the exact command.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import random
import sys
import time

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from bpe import SPECIAL_TOKENS, Tokenizer, train_merges  # noqa: E402
from data import SYSTEM_PROMPTS, load_corpus, split_corpus, user_prompt  # noqa: E402
from model import Config, ExportWrapper, TinyChat  # noqa: E402

IGNORE = -100


def log(msg: str, fh=None):
    line = f"[{time.strftime('%H:%M:%S')}] {msg}"
    print(line, flush=True)
    if fh is not None:
        fh.write(line + "\n")
        fh.flush()


def build_sequences(items, tok: Tokenizer, fortune_ids: dict, ctx: int, rng: random.Random, pool):
    """Pack multi-turn conversations into sequences of at most ctx + 1 tokens.

    Returns (tokens, loss_mask) pairs; the loss covers only assistant content and
    the `<|end|>` closing it, because that is what the model must learn to write.
    """
    sp = tok.special_ids
    order = items[:]
    rng.shuffle(order)
    seqs = []
    cur: list[int] = []
    cur_mask: list[int] = []

    def start():
        toks, mask = [], []
        if rng.random() < 0.3:
            s = [sp["<|system|>"]] + tok.encode_ordinary(rng.choice(SYSTEM_PROMPTS)) + [sp["<|end|>"]]
            toks += s
            mask += [0] * len(s)
        return toks, mask

    cur, cur_mask = start()
    for collection, text in order:
        u = [sp["<|user|>"]] + tok.encode_ordinary(user_prompt(rng, collection, pool)) + [sp["<|end|>"]]
        a_body = fortune_ids[text] + [sp["<|end|>"]]
        turn = u + [sp["<|assistant|>"]] + a_body
        turn_mask = [0] * (len(u) + 1) + [1] * len(a_body)
        if len(turn) > ctx + 1:
            continue
        if len(cur) + len(turn) > ctx + 1:
            seqs.append((cur, cur_mask))
            cur, cur_mask = start()
            if len(cur) + len(turn) > ctx + 1:
                cur, cur_mask = [], []
        cur += turn
        cur_mask += turn_mask
    if cur:
        seqs.append((cur, cur_mask))
    return seqs


def to_batch(seqs, ctx: int):
    x = torch.zeros((len(seqs), ctx), dtype=torch.long)
    y = torch.full((len(seqs), ctx), IGNORE, dtype=torch.long)
    for i, (toks, mask) in enumerate(seqs):
        n = len(toks) - 1
        x[i, :n] = torch.tensor(toks[:-1])
        tgt = torch.tensor(toks[1:])
        m = torch.tensor(mask[1:], dtype=torch.bool)
        y[i, :n] = torch.where(m, tgt, torch.tensor(IGNORE))
    return x, y


@torch.no_grad()
def evaluate(model, batches):
    model.eval()
    total, count = 0.0, 0
    for x, y in batches:
        logits, _ = model(x)
        loss = F.cross_entropy(logits.view(-1, logits.shape[-1]), y.view(-1), ignore_index=IGNORE, reduction="sum")
        total += loss.item()
        count += (y != IGNORE).sum().item()
    model.train()
    return total / max(count, 1)


@torch.no_grad()
def sample(model, tok: Tokenizer, prompt_ids: list[int], max_new: int, temperature: float, seed: int) -> str:
    model.eval()
    g = torch.Generator().manual_seed(seed)
    logits, past = model(torch.tensor([prompt_ids]))
    out: list[int] = []
    for _ in range(max_new):
        last = logits[0, -1]
        if temperature == 0:
            nxt = int(torch.argmax(last))
        else:
            nxt = int(torch.multinomial(F.softmax(last / temperature, dim=-1), 1, generator=g))
        if nxt == tok.end_id or len(prompt_ids) + len(out) + 1 >= model.cfg.context_length:
            break
        out.append(nxt)
        logits, past = model(torch.tensor([[nxt]]), past)
    model.train()
    return tok.decode(out)


def export_onnx(model: TinyChat, path: str):
    model.eval()
    cfg = model.cfg
    hd = cfg.d_model // cfg.n_head
    # Non-zero past and seq lengths so the tracer cannot fold either into a constant.
    ids = torch.zeros((1, 2), dtype=torch.long)
    past = torch.zeros((cfg.n_layer, 2, 1, cfg.n_head, 3, hd))
    torch.onnx.export(
        ExportWrapper(model),
        (ids, past),
        path,
        input_names=["input_ids", "past_key_values"],
        output_names=["logits", "present"],
        dynamic_axes={
            "input_ids": {0: "batch", 1: "seq"},
            "past_key_values": {2: "batch", 4: "past_seq"},
            "logits": {0: "batch", 1: "seq"},
            "present": {2: "batch", 4: "total_seq"},
        },
        opset_version=17,
        # Folding would store a transposed copy of the tied embedding (+2 MB);
        # onnxruntime folds it in memory at load time anyway.
        do_constant_folding=False,
    )


def write_model_config(cfg: Config, path: str):
    """What the TypeScript runtime needs to shape the KV cache of model.onnx."""
    with open(path, "w") as f:
        json.dump(
            {
                "model": "ecolink/tiny-chat",
                "context_length": cfg.context_length,
                "n_layer": cfg.n_layer,
                "n_head": cfg.n_head,
                "head_dim": cfg.d_model // cfg.n_head,
                "d_model": cfg.d_model,
                "vocab_size": cfg.vocab_size,
                "onnx_inputs": {
                    "input_ids": "int64 [batch, seq]",
                    "past_key_values": "float32 [n_layer, 2, batch, n_head, past_seq, head_dim]",
                },
                "onnx_outputs": {
                    "logits": "float32 [batch, seq, vocab_size]",
                    "present": "float32 [n_layer, 2, batch, n_head, past_seq + seq, head_dim]",
                },
            },
            f,
            indent=2,
        )
        f.write("\n")


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    repo = os.path.abspath(os.path.join(here, "..", ".."))
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default=os.path.join(repo, "models", "tiny-chat"))
    ap.add_argument("--work-dir", default="/tmp/tiny-chat-train")
    ap.add_argument("--vocab-size", type=int, default=2048)
    ap.add_argument("--context-length", type=int, default=256)
    ap.add_argument("--n-layer", type=int, default=5)
    ap.add_argument("--n-head", type=int, default=8)
    ap.add_argument("--d-model", type=int, default=256)
    ap.add_argument("--batch-size", type=int, default=16)
    ap.add_argument("--steps", type=int, default=1400)
    ap.add_argument("--max-minutes", type=float, default=28.0, help="stop training early past this budget")
    ap.add_argument("--lr", type=float, default=1e-3)
    ap.add_argument("--warmup", type=int, default=60)
    ap.add_argument("--eval-every", type=int, default=150)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--seed", type=int, default=1234)
    args = ap.parse_args()

    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    os.makedirs(args.work_dir, exist_ok=True)
    os.makedirs(args.out, exist_ok=True)
    logf = open(os.path.join(args.work_dir, "train.log"), "w")
    t0 = time.time()

    items = load_corpus()
    train_items, val_items = split_corpus(items, 0.05, args.seed)
    log(f"corpus: {len(items)} fortunes ({len(train_items)} train / {len(val_items)} val)", logf)

    num_merges = args.vocab_size - 256 - len(SPECIAL_TOKENS)
    merges = train_merges([t for _, t in train_items], num_merges)
    tok = Tokenizer(merges)
    log(f"tokenizer: {len(merges)} merges, vocab {tok.vocab_size} ({time.time() - t0:.0f}s)", logf)
    with open(os.path.join(args.out, "tokenizer.json"), "w") as f:
        json.dump(tok.to_json(), f, separators=(",", ":"))

    fortune_ids = {t: tok.encode_ordinary(t) for _, t in items}
    total_chars = sum(len(t) for _, t in items)
    total_toks = sum(len(v) for v in fortune_ids.values())
    log(f"corpus: {total_chars} chars -> {total_toks} tokens ({total_chars / total_toks:.2f} chars/token)", logf)

    rng = random.Random(args.seed)
    val_seqs = build_sequences(val_items, tok, fortune_ids, args.context_length, random.Random(args.seed + 1), train_items)
    val_batches = [to_batch(val_seqs[i : i + 32], args.context_length) for i in range(0, len(val_seqs), 32)]

    cfg = Config(
        vocab_size=tok.vocab_size,
        context_length=args.context_length,
        n_layer=args.n_layer,
        n_head=args.n_head,
        d_model=args.d_model,
    )
    model = TinyChat(cfg)
    n_params = sum(p.numel() for p in model.parameters())
    log(f"model: {n_params} parameters, config {cfg}", logf)

    decay = [p for n, p in model.named_parameters() if p.dim() >= 2]
    no_decay = [p for n, p in model.named_parameters() if p.dim() < 2]
    opt = torch.optim.AdamW(
        [{"params": decay, "weight_decay": 0.1}, {"params": no_decay, "weight_decay": 0.0}],
        lr=args.lr,
        betas=(0.9, 0.95),
    )

    budget = args.max_minutes * 60
    train_start = time.time()

    def lr_at(step: int) -> float:
        if step < args.warmup:
            return args.lr * (step + 1) / args.warmup
        # Progress is whichever runs out first, steps or wall-clock budget, so the
        # cosine decay completes even on a slower or busier machine.
        p = max((step - args.warmup) / max(1, args.steps - args.warmup), (time.time() - train_start) / budget)
        return args.lr * (0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * min(p, 1.0))))

    epoch = 0
    queue: list = []
    ema = None
    step = 0
    tokens_seen = 0
    last_train_loss = float("nan")
    stopped_early = False
    for step in range(args.steps):
        if len(queue) < args.batch_size:
            seqs = build_sequences(train_items, tok, fortune_ids, args.context_length, rng, train_items)
            rng.shuffle(seqs)
            queue += seqs
            epoch += 1
            if epoch == 1:
                log(f"one epoch = {len(seqs)} sequences", logf)
        batch, queue = queue[: args.batch_size], queue[args.batch_size :]
        x, y = to_batch(batch, args.context_length)
        lr = lr_at(step)
        for g in opt.param_groups:
            g["lr"] = lr
        logits, _ = model(x)
        loss = F.cross_entropy(logits.view(-1, logits.shape[-1]), y.view(-1), ignore_index=IGNORE)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        tokens_seen += int((x != 0).sum())
        last_train_loss = loss.item()
        ema = last_train_loss if ema is None else 0.95 * ema + 0.05 * last_train_loss
        elapsed = time.time() - train_start
        if step % 10 == 0:
            log(
                f"step {step} epoch {epoch} loss {last_train_loss:.4f} ema {ema:.4f} lr {lr:.2e} "
                f"{elapsed:.0f}s {tokens_seen / max(elapsed, 1e-9):.0f} tok/s",
                logf,
            )
        if (step + 1) % args.eval_every == 0:
            log(f"step {step} val loss {evaluate(model, val_batches):.4f}", logf)
        if elapsed > budget:
            log(f"time budget reached at step {step}", logf)
            stopped_early = True
            break

    train_secs = time.time() - train_start
    train_eval_seqs = build_sequences(
        train_items[: len(val_items)], tok, fortune_ids, args.context_length, random.Random(7), train_items
    )
    train_eval_batches = [
        to_batch(train_eval_seqs[i : i + 32], args.context_length) for i in range(0, len(train_eval_seqs), 32)
    ]
    final_train = evaluate(model, train_eval_batches)
    final_val = evaluate(model, val_batches)
    log(f"final: train loss {final_train:.4f} (last batch {last_train_loss:.4f}, ema {ema:.4f}), val loss {final_val:.4f}", logf)

    torch.save({"config": cfg.__dict__, "state_dict": model.state_dict()}, os.path.join(args.work_dir, "model.pt"))
    onnx_path = os.path.join(args.out, "model.onnx")
    export_onnx(model, onnx_path)
    write_model_config(cfg, os.path.join(args.out, "config.json"))
    log(f"exported {onnx_path} ({os.path.getsize(onnx_path)} bytes)", logf)

    sp = tok.special_ids
    for q in ["Tell me a riddle.", "Give me some advice.", "Hello, who are you?", "Say something about computers."]:
        prompt = [sp["<|user|>"]] + tok.encode_ordinary(q) + [sp["<|end|>"], sp["<|assistant|>"]]
        log(f"sample [{q}] greedy: {sample(model, tok, prompt, 80, 0.0, 0)!r}", logf)
        log(f"sample [{q}] t=0.8: {sample(model, tok, prompt, 80, 0.8, 1)!r}", logf)

    summary = {
        "parameters": n_params,
        "config": cfg.__dict__,
        "steps": step + 1,
        "stopped_early": stopped_early,
        "epochs_started": epoch,
        "tokens_seen": tokens_seen,
        "train_seconds": round(train_secs),
        "final_train_loss": round(final_train, 4),
        "final_val_loss": round(final_val, 4),
        "corpus_fortunes": len(items),
        "corpus_tokens": total_toks,
        "vocab_size": tok.vocab_size,
        "total_seconds": round(time.time() - t0),
    }
    with open(os.path.join(args.work_dir, "summary.json"), "w") as f:
        json.dump(summary, f, indent=2)
    log(json.dumps(summary), logf)


if __name__ == "__main__":
    main()
