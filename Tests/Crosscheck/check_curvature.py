"""lr-batch-scaling's curvature tools against SciPy and PyTorch, in float64.

A ReLU MLP with biases and the mean cross-entropy: the top two Hessian eigenvalues by the engine's Lanczos
against scipy.sparse.linalg.eigsh (ARPACK, which='LA') on a LinearOperator whose product is torch.func's
forward-over-reverse H v; every example's gradient squared norm (the engine's outer-product identity)
against torch.func.vmap of per-example grads; and B_simple = tr(Sigma)/|G|^2 from them (McCandlish et al.
2018, Eq. 2.8). --perturb scales the engine's top eigenvalue by 1.01.
"""
import numpy as np
import scipy.sparse.linalg as sla
import torch
import torch.nn.functional as F

import common

args = common.arguments(__doc__)
case, tol = common.Case(args.case), common.tolerances("curvature")
widths = case.settings["widths"]
layers = len(widths) - 1
shapes = [case[f"param_{k}"].shape for k in range(2 * layers)]
x, labels = torch.from_numpy(case["x"]), torch.from_numpy(case["labels"])


def forward(flat, xb):
    return common.mlp_forward(flat, xb, shapes)


def loss(flat):
    return F.cross_entropy(forward(flat, x), labels)


flat = torch.cat([torch.from_numpy(case[f"param_{k}"]).flatten() for k in range(2 * layers)])
grad = torch.func.grad(loss)


def hv(v):
    return torch.func.jvp(grad, (flat,), (torch.from_numpy(np.ascontiguousarray(v, dtype=np.float64)),))[1].numpy()


n = flat.numel()
operator = sla.LinearOperator((n, n), matvec=hv, dtype=np.float64)
peer_top = np.sort(sla.eigsh(operator, k=2, which="LA", tol=1e-12, return_eigenvectors=False))[::-1]
engine_top = case["top_eigenvalues"].copy()
if args.perturb:
    engine_top[0] *= 1.01


def example_loss(p, xi, yi):
    return F.cross_entropy(forward(p, xi[None]), yi[None])


per_example = torch.func.vmap(torch.func.grad(example_loss), in_dims=(None, 0, 0))(flat, x, labels)
norms = (per_example ** 2).sum(dim=1).numpy()
g = grad(flat)
g2 = float(torch.dot(g, g))
b_simple = (norms.mean() - g2) / g2

report = common.Report("curvature")
report.compare(f"top two Hessian eigenvalues ({n} parameters; peer {peer_top[0]:.6g}, {peer_top[1]:.6g})",
               engine_top, peer_top, tol["eigen_rel"], relative=True)
report.compare(f"per-example gradient squared norms ({len(norms)} examples)", case["per_example_squared_norms"],
               norms, tol["per_example_rel"], relative=True)
report.compare(f"B_simple (peer {b_simple:.6g})", case["b_simple"], np.array([b_simple]), tol["b_simple_rel"],
               relative=True)
report.finish()
