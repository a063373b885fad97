"""The five training steps of `reprise bench` in PyTorch eager, torch.compile and JAX (jax.jit), run back
to back with reprise.

`make bench-peers` runs this in a virtual environment holding torch, jax and optax from PyPI. It times
each step in each peer (bench_jax.py holds JAX's) with the same shapes, optimizer and thread count as
reprise's Benchmarks.swift, then runs `reprise bench --json` right after, each side in its own process,
for several alternating rounds (a shared machine's load drifts within minutes: single rounds gave ratios
from 0.64 to 1.31 for the same binary), and prints them side by side: medians over the rounds, the ratio
reprise / the fastest peer with its range over the rounds, and each one's share of the sgemm peak measured
in its own process (the work counted is reprise's FLOP count of the step, the same for all). Nothing here
is a stored number.
"""
import argparse
import datetime
import json
import math
import os
import platform
import statistics
import subprocess
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F


def median_ms(step, repeats, warmup=3):
    for _ in range(warmup):
        step()
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter_ns()
        step()
        times.append((time.perf_counter_ns() - t0) / 1e6)
    return sorted(times)[len(times) // 2]


def sgemm_peak(n=1024, repeats=15):
    a, b = torch.randn(n, n), torch.randn(n, n)
    c = torch.empty(n, n)
    return 2 * n ** 3 / median_ms(lambda: torch.mm(a, b, out=c), repeats) / 1e6


def mlp(widths, bias):
    layers = []
    for i, (a, b) in enumerate(zip(widths, widths[1:])):
        lin = nn.Linear(a, b, bias=bias)
        nn.init.kaiming_normal_(lin.weight, nonlinearity="relu")
        if bias:
            nn.init.zeros_(lin.bias)
        layers.append(lin)
        if i < len(widths) - 2:
            layers.append(nn.ReLU())
    return nn.Sequential(*layers)


def compiled(model, opt, compile):
    """The forward pass and the optimizer's step, each through torch.compile (Inductor's C++ kernels on CPU)
    when asked: the PyTorch recipe for compiled training; backward runs the compiled forward's graph."""
    if not compile:
        return model, opt.step
    return torch.compile(model), torch.compile(opt.step)


def mlp_step(widths, batch, bias, optimizer, repeats, compile):
    model = mlp(widths, bias)
    x = torch.randn(batch, widths[0])
    y = torch.randint(0, widths[-1], (batch,))
    opt = optimizer(model.parameters())
    forward, update = compiled(model, opt, compile)

    def step():
        opt.zero_grad(set_to_none=False)
        F.cross_entropy(forward(x), y).backward()
        update()
    return median_ms(step, repeats)


class RMSNorm(nn.Module):
    def __init__(self, dim, eps=1e-5):
        super().__init__()
        self.gain, self.eps = nn.Parameter(torch.ones(dim)), eps

    def forward(self, x):
        return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + self.eps) * self.gain


def rope(x, cos, sin):                       # x [B, H, T, dh], rotating pairs (2i, 2i+1)
    x1, x2 = x[..., 0::2], x[..., 1::2]
    return torch.stack((x1 * cos - x2 * sin, x1 * sin + x2 * cos), dim=-1).flatten(-2)


class Block(nn.Module):
    def __init__(self, dim, heads, hidden):
        super().__init__()
        self.heads = heads
        self.attn_norm, self.mlp_norm = RMSNorm(dim), RMSNorm(dim)
        self.q, self.k, self.v, self.o = (nn.Linear(dim, dim, bias=False) for _ in range(4))
        self.gate, self.up = nn.Linear(dim, hidden, bias=False), nn.Linear(dim, hidden, bias=False)
        self.down = nn.Linear(hidden, dim, bias=False)

    def forward(self, x, cos, sin):
        b, t, c = x.shape
        h = self.attn_norm(x)
        def heads(z):
            return z.view(b, t, self.heads, c // self.heads).transpose(1, 2)
        q, k, v = rope(heads(self.q(h)), cos, sin), rope(heads(self.k(h)), cos, sin), heads(self.v(h))
        a = F.scaled_dot_product_attention(q, k, v, is_causal=True)
        x = x + self.o(a.transpose(1, 2).reshape(b, t, c))
        m = self.mlp_norm(x)
        return x + self.down(F.silu(self.gate(m)) * self.up(m))


class Llama(nn.Module):
    def __init__(self, vocab=256, dim=128, layers=4, heads=4, hidden=344, seq=64):
        super().__init__()
        self.embedding = nn.Embedding(vocab, dim)
        self.blocks = nn.ModuleList(Block(dim, heads, hidden) for _ in range(layers))
        self.norm, self.head = RMSNorm(dim), nn.Linear(dim, vocab, bias=False)
        for p in self.parameters():
            if p.dim() == 2:
                nn.init.normal_(p, std=0.02)
        dh = dim // heads
        inv = 10_000 ** (-torch.arange(0, dh, 2).float() / dh)
        angles = torch.arange(seq).float()[:, None] * inv[None, :]
        self.register_buffer("cos", angles.cos())
        self.register_buffer("sin", angles.sin())

    def forward(self, tokens):
        x = self.embedding(tokens[:, :-1])
        for block in self.blocks:
            x = block(x, self.cos, self.sin)
        logits = self.head(self.norm(x))
        return F.cross_entropy(logits.reshape(-1, logits.shape[-1]), tokens[:, 1:].reshape(-1))


def llama_step(repeats, compile):
    model = Llama()
    tokens = torch.randint(0, 256, (16, 65))
    opt = torch.optim.AdamW(model.parameters(), lr=1e-3, weight_decay=0.1)
    forward, update = compiled(model, opt, compile)

    def step():
        opt.zero_grad(set_to_none=False)
        forward(tokens).backward()
        update()
    return median_ms(step, repeats)


def torch_steps(repeats, compile=False):
    sgd = lambda p: torch.optim.SGD(p, lr=0.01)
    adam = lambda p: torch.optim.Adam(p, lr=1e-3, betas=(0.9, 0.99))
    adamw1 = lambda p: torch.optim.AdamW(p, lr=1e-3, betas=(0.9, 0.99), weight_decay=1.0)
    return [
        ("MLP 784-256-256-10", mlp_step([784, 256, 256, 10], 128, True, sgd, repeats * 5, compile)),
        ("Deep MLP", mlp_step([784] + [50] * 20 + [10], 128, True, sgd, repeats * 5, compile)),
        ("Grokking MLP", mlp_step([226, 200, 200, 113], 5107, False, adamw1, repeats, compile)),
        ("Wide MLP", mlp_step([784, 1024, 1024, 10], 256, True, adam, repeats, compile)),
        ("LLaMA", llama_step(repeats, compile)),
    ]


def cpu_model():
    with open("/proc/cpuinfo") as f:
        return next((line.split(":", 1)[1].strip() for line in f if line.startswith("model name")), platform.machine())


PEERS = {"torch": "PyTorch eager", "torch-compile": "torch.compile", "jax": "JAX jax.jit"}


def peer_times(peer, repeats, threads):
    """(sgemm peak in GFLOP/s, {step: median ms}) measured in this process, for one peer."""
    if peer == "jax":
        import bench_jax                       # imported here: the PyTorch children never load JAX
        return bench_jax.sgemm_peak(), dict(bench_jax.steps(repeats))
    torch.manual_seed(0)
    torch.set_num_threads(threads)
    return sgemm_peak(), dict(torch_steps(repeats, compile=peer == "torch-compile"))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--reprise", help="path of the reprise binary")
    ap.add_argument("--repeats", type=int, default=40)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--rounds", type=int, default=5,
                    help="alternate the peers and reprise this many times (a shared machine's load drifts)")
    ap.add_argument("--peer", choices=list(PEERS), help="(internal) time one peer's steps and print them as JSON")
    args = ap.parse_args()
    if args.peer:
        peak, steps = peer_times(args.peer, args.repeats, args.threads)
        print(json.dumps({"peak": peak, "steps": steps}))
        return
    if not args.reprise:
        ap.error("--reprise is required")
    # Each side runs in a fresh process: run as a child of the process that had just timed PyTorch,
    # reprise's two small steps measured 1.7-1.9x slower than alone (2.03 vs 1.22 ms, 1.60 vs 0.86 ms),
    # likely PyTorch's OpenMP threads spinning after their last parallel region.
    env = {"OPENBLAS_NUM_THREADS": str(args.threads), "PATH": "/usr/bin:/bin", "HOME": os.environ.get("HOME", "/")}
    if args.threads == 1:                      # XLA's CPU client otherwise uses one thread per core
        env["XLA_FLAGS"] = "--xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1"
    elif args.threads != os.cpu_count():
        print(f"note: JAX uses all {os.cpu_count()} cores, not --threads {args.threads}", file=sys.stderr)

    def run(command):
        out = subprocess.run(command, capture_output=True, text=True, env=env)
        if out.returncode != 0:
            sys.exit(f"bench-peers: {' '.join(command[:3])} failed:\n{out.stderr[-2000:]}")
        return json.loads(out.stdout)
    rounds = []
    for _ in range(args.rounds):
        peers = {peer: run([sys.executable, __file__, "--peer", peer, "--repeats", str(args.repeats),
                            "--threads", str(args.threads)]) for peer in PEERS}
        ours = run([args.reprise, "bench", "--json", "--repeats", str(args.repeats), "--threads", str(args.threads)])
        rounds.append((peers, ours))
    median = statistics.median
    our_peak = median(r[1]["sgemmPeakGflops"] for r in rounds)
    peaks = {p: median(r[0][p]["peak"] for r in rounds) for p in PEERS}
    import jax
    print(f"Measured {datetime.date.today().isoformat()} on {cpu_model()}, "
          f"{args.threads} threads each, {args.repeats} timed steps (x5 for the two small MLPs); "
          f"{args.rounds} rounds of PyTorch {torch.__version__} eager, torch.compile (Inductor), JAX {jax.__version__} "
          f"(jax.jit, optax) then reprise, each in its own process, timed after warm-up (compilation excluded); "
          f"medians over the rounds. sgemm peak (1024^3): reprise {our_peak:.1f}, PyTorch {peaks['torch']:.1f}, "
          f"JAX {peaks['jax']:.1f} GFLOP/s (OpenBLAS kernels: {rounds[0][1]['openBLASKernels']}).\n")
    print("| step | reprise ms | PyTorch eager ms | torch.compile ms | JAX jit ms | reprise / fastest peer "
          "(range over rounds) | reprise, of its sgemm peak | fastest peer, of its sgemm peak |")
    print("|---|---:|---:|---:|---:|---|---:|---:|")
    for k, step in enumerate(rounds[0][1]["steps"]):
        name, flops = step["name"], step["flops"]
        key = next(n for n in rounds[0][0]["torch"]["steps"] if name.startswith(n))
        mine = [r[1]["steps"][k]["medianMs"] for r in rounds]
        theirs = {p: [r[0][p]["steps"][key] for r in rounds] for p in PEERS}
        best = min(PEERS, key=lambda p: median(theirs[p]))
        ratios = [a / b for a, b in zip(mine, theirs[best])]
        ms, bms = median(mine), median(theirs[best])
        cells = " | ".join(f"{median(theirs[p]):.2f}" for p in PEERS)
        print(f"| {name} | {ms:.2f} | {cells} | {median(ratios):.2f} ({min(ratios):.2f}-{max(ratios):.2f}) vs "
              f"{PEERS[best]} | {100 * flops / ms / 1e6 / our_peak:.0f}% | "
              f"{100 * flops / bms / 1e6 / peaks[best]:.0f}% |")


if __name__ == "__main__":
    main()
