"""The exact Hessian-vector product of lr-batch-scaling against PyTorch's autograd, in float64.

A ReLU MLP with biases and the mean cross-entropy over 64 examples: the gradient by torch.func.grad
and H v by forward-over-reverse (torch.func.jvp of torch.func.grad), against the engine's
Pearlmutter R-operator (`Curvature.mlpHessianVectorProduct`). --perturb flips the sign of the
engine's largest entry of H v.
"""
import numpy as np
import torch
import torch.nn.functional as F

import common

args = common.arguments(__doc__)
case, tol = common.Case(args.case), common.tolerances("hvp")
widths = case.settings["widths"]
layers = len(widths) - 1
shapes = [p.shape for p in (case[f"param_{k}"] for k in range(2 * layers))]
x = torch.from_numpy(case["x"])
labels = torch.from_numpy(case["labels"])


def loss(flat):
    return F.cross_entropy(common.mlp_forward(flat, x, shapes), labels)


flat = torch.cat([torch.from_numpy(case[f"param_{k}"]).flatten() for k in range(2 * layers)])
v = torch.from_numpy(case["v"])
gradient = torch.func.grad(loss)(flat)
_, hv = torch.func.jvp(torch.func.grad(loss), (flat,), (v,))

engine_hv = case["hv"].copy()
if args.perturb:
    i = int(np.argmax(np.abs(engine_hv)))
    engine_hv[i] = -engine_hv[i]
report = common.Report("hvp")
report.compare(f"gradient ({flat.numel()} entries)", case["gradient"], gradient.numpy(), tol["rel"], relative=True)
report.compare("H v", engine_hv, hv.numpy(), tol["rel"], relative=True)
report.finish()
