"""lr-batch-scaling's own quick checkpoint against SciPy and PyTorch, float64.

The scenario's hessian/full trial (run as a worker runs it) records the full Hessian's top two eigenvalues by
its Lanczos (20 iterations), |G|^2 of the full-batch gradient and tr(Sigma) = mean |g_i|^2 - |G|^2. Here:
scipy.sparse.linalg.eigsh (ARPACK, which='LA') on torch.func's forward-over-reverse H v of the mean
cross-entropy over the same 50 000 examples, torch.func.grad, and torch.func.vmap(grad) per example.
The top eigenvalue is judged (the claims read it); the second is reported. --perturb scales the engine's top
eigenvalue by 1.01 and its tr(Sigma) by 1.001.
"""
import os
import time

import numpy as np
import scipy.sparse.linalg as sla
import torch
import torch.nn.functional as F

import common

args = common.arguments(__doc__)
case, tol = common.Case(args.case), common.tolerances("lr_batch_checkpoint")
widths = case.settings["widths"]
shapes = [s for a, b in zip(widths[:-1], widths[1:]) for s in ([a, b], [b])]
x = torch.from_numpy(case["x"].astype(np.float64))
labels = torch.from_numpy(case["labels"])
flat = torch.from_numpy(case["checkpoint"])
report = common.Report("lr-batch")


def loss(p, xb, yb):
    return F.cross_entropy(common.mlp_forward(p, xb, shapes), yb)


def full_loss(p):
    return loss(p, x, labels)


grad = torch.func.grad(full_loss)
products = 0


def hv(v):
    global products
    products += 1
    return torch.func.jvp(grad, (flat,), (torch.from_numpy(np.ascontiguousarray(v, dtype=np.float64)),))[1].numpy()


def peer_values():
    """eigsh's top two eigenvalues, |G|^2 and tr(Sigma), and the seconds each took. The peer's side is never
    perturbed, so the --perturb run reads the plain run's values (computing them takes minutes)."""
    saved = os.path.join(case.dir, "peer.npz")
    if os.path.exists(saved):
        return dict(np.load(saved))
    started = time.time()
    operator = sla.LinearOperator((n, n), matvec=hv, dtype=np.float64)
    top = np.sort(sla.eigsh(operator, k=2, which="LA", tol=1e-10, ncv=20, return_eigenvectors=False))[::-1]
    eigsh_seconds = time.time() - started
    g = grad(flat)
    g2 = float(torch.dot(g, g))
    per_example = torch.func.vmap(torch.func.grad(lambda p, xi, yi: loss(p, xi[None], yi[None])),
                                  in_dims=(None, 0, 0))
    total = 0.0
    for start in range(0, x.shape[0], 250):
        total += float((per_example(flat, x[start:start + 250], labels[start:start + 250]) ** 2).sum())
    values = {"top": top, "products": np.array(products), "eigsh_seconds": np.array(eigsh_seconds),
              "g2": np.array(g2), "trace_sigma": np.array(total / x.shape[0] - g2),
              "seconds": np.array(time.time() - started)}
    np.savez(saved, **values)
    return values


n = flat.numel()
values = peer_values()
peer = values["top"]
engine = case["lambda"] * (1.01 if args.perturb else 1)
report.compare(f"top Hessian eigenvalue ({n} parameters, {x.shape[0]} examples; peer {peer[0]:.8g})", engine,
               peer[:1], tol["top_eigen_rel"], relative=True)
second = case["lambda_second"][0]
report.note(f"second eigenvalue: engine {second:.8g}, eigsh {peer[1]:.8g} (relative difference "
            f"{abs(second - peer[1]) / peer[1]:.2e}; not judged); eigsh took {int(values['products'])} products, "
            f"{float(values['eigsh_seconds']):.0f} s; the peer's side {float(values['seconds']):.0f} s")
g2, trace_sigma = float(values["g2"]), float(values["trace_sigma"])
report.compare("|G|^2 of the full-batch gradient", case["grad_norm2"], [g2], tol["grad_norm2_rel"], relative=True)
engine_trace = case["trace_sigma"] * (1.001 if args.perturb else 1)
report.compare("tr(Sigma) = mean |g_i|^2 - |G|^2", engine_trace, [trace_sigma], tol["trace_sigma_rel"], relative=True)
report.note(f"B_simple = tr(Sigma)/|G|^2: engine {case['trace_sigma'][0] / case['grad_norm2'][0]:.6g}, "
            f"peer {trace_sigma / g2:.6g}")
report.finish()
