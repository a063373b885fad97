"""grokking-stablemax's model against PyTorch, from the engine's initial weights and split (quick profile).

Golden tensors at step 0: the loss and every gradient tensor of the float32 MLP (embedding-row sum, ReLU,
hidden, ReLU, out) under softmax cross-entropy in float32, the same with float64 logits, and StableMax
cross-entropy in float64 (s(x) = x + 1 for x >= 0, 1 / (1 - x) below; Prieto et al. 2025, Sec. 4).
Findings: the softmax32, perp (AdamW on OrthoGrad's gradient) and stablemax trials trained full batch in
PyTorch for the quick budgets, every `eval_every` steps the same measurements as the scenario; compared are
the steps of the events the claims are about (fit, Softmax Collapse onset, 90% test accuracy).
--perturb scales the engine's step-0 gradient of the last layer by 1.01 and its logged steps by 1.25.
"""
import os

import numpy as np
import torch
import torch.nn.functional as F

import common

args = common.arguments(__doc__)
case, tol = common.Case(args.case), common.tolerances("grokking")
s = case.settings
# One thread: PyTorch's CPU reductions with two threads differ from run to run (the stablemax fit moved between
# steps 180 and 200 across three identical runs), and a reference must give the same answer twice.
torch.set_num_threads(1)
report = common.Report("grokking")
idx = {k: torch.from_numpy(case[k]) for k in ["train_a", "train_b", "train_labels", "test_a", "test_b", "test_labels"]}
every = s["eval_every"]


def start():
    """float32 parameters from the engine's float64 draw (round to nearest, as the engine converts)."""
    names = ["embed", "hidden", "out"]
    return [torch.nn.Parameter(torch.from_numpy(case[f"init_{n}"].astype(np.float32))) for n in names]


def logits(params, part):
    embed, hidden, out = params
    h = torch.relu(embed[idx[f"{part}_a"]] + embed[idx[f"{part}_b"]])
    return torch.relu(h @ hidden) @ out


def stablemax_cross_entropy(z, y):
    z = z.double()
    s_ = torch.where(z >= 0, z + 1, 1 / (1 - z))
    return -torch.log(s_.gather(1, y[:, None]).squeeze(1) / s_.sum(dim=1)).mean()


LOSSES = {
    "softmax32": lambda z, y: F.cross_entropy(z, y),
    "softmax64": lambda z, y: F.cross_entropy(z.double(), y),
    "stablemax": stablemax_cross_entropy,
}

# Golden tensors at step 0.
for name, loss_of in LOSSES.items():
    params = start()
    loss = loss_of(logits(params, "train"), idx["train_labels"])
    loss.backward()
    report.compare(f"{name}: loss at step 0", case[f"{name}_loss0"], np.array([loss.item()]), tol["loss0_rel"],
                   relative=True)
    for k, p in enumerate(params):
        engine = case[f"{name}_grad0_{k}"]
        if args.perturb and k == 2:
            engine = engine * 1.01
        report.compare(f"{name}: gradient of tensor {k} {tuple(p.shape)} at step 0", engine, p.grad.numpy(),
                       tol["grad0_rel"], relative=True)


def train(variant):
    v = s[variant]
    params = start()
    opt = torch.optim.Adam(params, lr=v["lr"], betas=tuple(v["betas"]), eps=v["eps"])
    loss_of = LOSSES["stablemax" if variant == "stablemax" else "softmax32"]
    log = {k: [] for k in ["steps", "train_acc", "test_acc", "train_loss", "sc"]}
    for step in range(v["steps"] + 1):
        z = logits(params, "train")
        loss = loss_of(z, idx["train_labels"])
        if step % every == 0 or step == v["steps"]:
            with torch.no_grad():
                zt = logits(params, "test")
                shifted = (z - z.max(dim=1, keepdim=True).values).exp().sum(dim=1)
                log["steps"].append(step)
                log["train_acc"].append((z.argmax(1) == idx["train_labels"]).double().mean().item())
                log["test_acc"].append((zt.argmax(1) == idx["test_labels"]).double().mean().item())
                log["train_loss"].append(loss.item())
                log["sc"].append((shifted == 1).double().mean().item())
        if step == v["steps"]:
            break
        opt.zero_grad()
        loss.backward()
        if v["perpendicular"]:
            common.orthogonalize(params)
        opt.step()
    return {k: np.array(x) for k, x in log.items()}


def first(log, column, predicate):
    hits = np.nonzero(predicate(log[column]))[0]
    return float(log["steps"][hits[0]]) if hits.size else None


EVENTS = [("fit (train accuracy 1)", "train_acc", lambda a: a >= 1),
          ("Softmax Collapse onset (SC fraction > 0.5)", "sc", lambda a: a > 0.5),
          ("90% test accuracy", "test_acc", lambda a: a >= 0.9)]
for variant in s["variants"]:
    engine = {k: case[f"{variant}_{k}"] for k in ["steps", "train_acc", "test_acc", "train_loss", "sc"]}
    if args.perturb:
        engine["steps"] = engine["steps"] * 1.25
    # The peer's side is never perturbed, so the --perturb run reads the plain run's training (5 minutes).
    saved = os.path.join(case.dir, f"peer_{variant}.npz")
    if os.path.exists(saved):
        peer = dict(np.load(saved))
    else:
        peer = train(variant)
        np.savez(saved, **peer)
    for label, column, predicate in EVENTS:
        if column == "sc" and variant != "softmax32":
            continue   # perp and StableMax are the runs without collapse; their SC is a different statistic
        e, p = first(engine, column, predicate), first(peer, column, predicate)
        reference = e if e is not None else p
        tolerance = max(tol["event_step_rel"] * (reference or 0), tol["event_step_min_evals"] * every)
        report.event(f"{variant}: {label}", e, p, tolerance)
    n = min(len(engine["train_loss"]), len(peer["train_loss"]))
    rel = np.abs(engine["train_loss"][:n] - peer["train_loss"][:n]) / np.abs(peer["train_loss"][:n])
    apart = np.nonzero(rel > 1e-3)[0]
    report.note(f"{variant}: train losses first differ by more than 1e-3 relative at step "
                + (f"{peer['steps'][apart[0]]:g}" if apart.size else "never") + f" (of {peer['steps'][n - 1]:g}); "
                + f"final test accuracy engine {engine['test_acc'][-1]:.3f}, peer {peer['test_acc'][-1]:.3f}")
report.finish()
