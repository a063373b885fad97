"""Shared by the cross-check scripts: reading a case written by `reprise crosscheck-case`, the
committed tolerances, and one printed line per compared quantity.

Each script compares the engine's results with a peer's, computed from the same inputs, and exits
non-zero on any miss. `--perturb` damages the engine's side first (a scaled value or a flipped sign,
each script says which): the check must then miss, which `run_all.py` asserts, so that no check
passes by construction.
"""
import argparse
import json
import os
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))


def tolerances(check):
    with open(os.path.join(HERE, "tolerances.json")) as f:
        return json.load(f)[check]


def arguments(description):
    p = argparse.ArgumentParser(description=description)
    p.add_argument("--case", required=True, help="directory written by `reprise crosscheck-case`")
    p.add_argument("--perturb", action="store_true", help="damage the engine's values first: the check must miss")
    return p.parse_args()


def relu_mlp(params, x):
    """The engine's ReLU MLP on its parameter tensors: per layer a weight [in, out] then a bias."""
    import torch
    h, layers = x, len(params) // 2
    for layer in range(layers):
        h = h @ params[2 * layer] + params[2 * layer + 1]
        if layer < layers - 1:
            h = torch.relu(h)
    return h


def mlp_forward(flat, x, shapes):
    """`relu_mlp` on a flat parameter vector, in the order and C layout `reprise crosscheck-case` writes."""
    parts, start = [], 0
    for shape in shapes:
        size = int(np.prod(shape))
        parts.append(flat[start:start + size].reshape(shape))
        start += size
    return relu_mlp(parts, x)


def orthogonalize(params):
    """OrthoGrad (the grokking authors'): each gradient g made orthogonal to its weight w, g - (w.g / w.w) w,
    and rescaled to |g|, with their epsilon 1e-30 in both divisions."""
    import torch
    for p in params:
        w, g = p.detach().view(-1), p.grad.view(-1)
        orthogonal = g - (torch.dot(w, g) / (torch.dot(w, w) + 1e-30)) * w
        p.grad.copy_((orthogonal * (g.norm() / (orthogonal.norm() + 1e-30))).view_as(p.grad))


class Case:
    def __init__(self, directory):
        self.dir = directory
        with open(os.path.join(directory, "case.json")) as f:
            self.settings = json.load(f)

    def __getitem__(self, name):
        return np.load(os.path.join(self.dir, name + ".npy"))

    def has(self, name):
        return os.path.exists(os.path.join(self.dir, name + ".npy"))


class Report:
    """One line per quantity: its name, the largest difference, the tolerance, and ok or MISS."""

    def __init__(self, check):
        self.check, self.misses, self.lines = check, 0, 0

    def compare(self, quantity, engine, peer, tolerance, relative=False):
        engine, peer = np.asarray(engine, dtype=np.float64), np.asarray(peer, dtype=np.float64)
        if engine.shape != peer.shape:
            print(f"{self.check}: {quantity}: shapes differ, engine {engine.shape} vs peer {peer.shape}  MISS")
            self.misses += 1
            return
        diff = float(np.max(np.abs(engine - peer))) if engine.size else 0.0
        scale = float(np.max(np.abs(peer))) if relative and peer.size else 1.0
        value = diff / scale if scale > 0 else diff
        ok = np.isfinite(value) and value <= tolerance
        kind = "relative to the largest entry" if relative else "absolute"
        print(f"{self.check}: {quantity}: max difference {value:.3e} ({kind}), tolerance {tolerance:.0e}  "
              + ("ok" if ok else "MISS"))
        self.lines += 1
        self.misses += 0 if ok else 1

    def fraction(self, quantity, value, tolerance):
        ok = value <= tolerance
        print(f"{self.check}: {quantity}: {value:.3e}, tolerance {tolerance:.0e}  " + ("ok" if ok else "MISS"))
        self.lines += 1
        self.misses += 0 if ok else 1

    def event(self, quantity, engine, peer, tolerance):
        """The step of an event on each side (None: not reached within the budget); a miss when only one
        side reaches it or the steps differ by more than `tolerance` steps."""
        ok = engine is None and peer is None or (engine is not None and peer is not None
                                                   and abs(engine - peer) <= tolerance)
        shown = lambda s: "not reached" if s is None else f"step {s:g}"
        print(f"{self.check}: {quantity}: engine {shown(engine)}, peer {shown(peer)}, tolerance {tolerance:g} steps  "
              + ("ok" if ok else "MISS"))
        self.lines += 1
        self.misses += 0 if ok else 1

    def note(self, text):
        """A measured fact beside the checks (no tolerance): e.g. which side a disagreement favours."""
        print(f"{self.check}: note: {text}")

    def finish(self):
        print(f"{self.check}: {self.lines} quantities, {self.misses} missed")
        sys.exit(1 if self.misses else 0)
