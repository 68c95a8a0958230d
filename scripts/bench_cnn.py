#!/usr/bin/python3
"""PyTorch twin of `crates/deep/examples/bench_cnn.rs` (see scripts/bench-cnn).

Builds the same residual 3D CNN as radlsig's `Cnn3d` from the `model` JSON the Rust bench prints,
trains one epoch (AdamW, class-weighted cross-entropy, batch statistics) on random 32^3 inputs and
extracts embeddings in eval mode; prints one JSON line with milliseconds per step.

Usage: bench_cnn.py --model '{json}' [--cases 64] [--batch 16] [--crop 32] [--channels 1]
                    [--threads 2] [--repeat 3] [--device cpu|cuda]
"""
import argparse
import json
import time

import torch
import torch.nn as nn
import torch.nn.functional as F


class ConvBn(nn.Module):
    def __init__(self, cin, cout, k, s):
        super().__init__()
        self.conv = nn.Conv3d(cin, cout, k, stride=s, padding=k // 2, bias=False)
        self.bn = nn.BatchNorm3d(cout)

    def forward(self, x):
        return self.bn(self.conv(x))


class Block(nn.Module):
    def __init__(self, cin, cout, s):
        super().__init__()
        self.first = ConvBn(cin, cout, 3, s)
        self.second = ConvBn(cout, cout, 3, 1)
        self.shortcut = ConvBn(cin, cout, 1, s) if (s != 1 or cin != cout) else None

    def forward(self, x):
        identity = self.shortcut(x) if self.shortcut is not None else x
        return F.relu(self.second(F.relu(self.first(x))) + identity)


class Cnn3d(nn.Module):
    def __init__(self, m, in_channels):
        super().__init__()
        self.stem = ConvBn(in_channels, m["stem_width"], m["stem_kernel"], m["stem_stride"])
        blocks, width = [], m["stem_width"]
        for out, count, stride in zip(m["widths"], m["blocks"], m["strides"]):
            for b in range(count):
                blocks.append(Block(width, out, stride if b == 0 else 1))
                width = out
        self.blocks = nn.Sequential(*blocks)
        self.embedding = nn.Linear(width, m["embedding"])
        self.head = nn.Linear(m["embedding"], 2)
        self.dropout = nn.Dropout(m["dropout"])

    def forward(self, x):
        x = self.blocks(F.relu(self.stem(x)))
        e = F.relu(self.embedding(x.mean(dim=(2, 3, 4))))
        return e, self.head(self.dropout(e))


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--model", required=True)
    p.add_argument("--cases", type=int, default=64)
    p.add_argument("--batch", type=int, default=16)
    p.add_argument("--crop", type=int, default=32)
    p.add_argument("--channels", type=int, default=1)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--repeat", type=int, default=3)
    p.add_argument("--device", default="cpu")
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    dev = torch.device(a.device)
    model = Cnn3d(json.loads(a.model), a.channels).to(dev)
    opt = torch.optim.AdamW(model.parameters(), lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=1e-2)
    x = torch.rand(a.cases, a.channels, a.crop, a.crop, a.crop)
    y = torch.arange(a.cases) % 2
    w = torch.tensor([1.0, 1.0], device=dev)
    steps = (a.cases + a.batch - 1) // a.batch

    def sync():
        if dev.type == "cuda":
            torch.cuda.synchronize()

    epochs = []
    for _ in range(a.repeat):
        model.train()
        sync()
        t = time.perf_counter()
        for i in range(steps):
            xb = x[i * a.batch:(i + 1) * a.batch].to(dev)
            yb = y[i * a.batch:(i + 1) * a.batch].to(dev)
            _, logits = model(xb)
            loss = F.cross_entropy(logits, yb, weight=w)
            opt.zero_grad()
            loss.backward()
            opt.step()
            loss.item()
        sync()
        epochs.append(time.perf_counter() - t)
    embeds = []
    model.eval()
    with torch.no_grad():
        for _ in range(a.repeat):
            sync()
            t = time.perf_counter()
            for i in range(steps):
                e, logits = model(x[i * a.batch:(i + 1) * a.batch].to(dev))
                e.cpu(), torch.softmax(logits, 1).cpu()
            sync()
            embeds.append(time.perf_counter() - t)
    best, best_e = min(epochs), min(embeds)
    print(json.dumps({
        "impl": "pytorch", "torch": torch.__version__, "device": a.device, "threads": a.threads,
        "cases": a.cases, "batch": a.batch, "crop": a.crop, "steps_per_epoch": steps,
        "epoch_s": round(best, 3), "train_ms_per_step": round(1000 * best / steps, 1),
        "embed_s": round(best_e, 3), "embed_ms_per_batch": round(1000 * best_e / steps, 1),
    }))


if __name__ == "__main__":
    main()
