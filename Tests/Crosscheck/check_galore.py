"""GaLore's optimizer against galore-torch's GaLoreAdamW (the authors' package), step by step.

Same initial weights and the same gradient at every step, on galore-memory's three projected shapes
(square, wide, tall). Compared: the weights after every step, and the projector's subspace (P P^T)
at every refresh. The engine stores a weight as [in, out], PyTorch as [out, in]: the peer gets the
transposes, so both project the same side. SVD column signs are a convention of the routine; since
Adam's moments are not re-projected at a refresh, a flipped column changes every later step, so the
peer's columns are aligned to the engine's signs at each refresh (P P^T is compared before that).
--perturb scales the engine's total update of the first matrix by 1.01.
"""
import numpy as np
import torch

import common
from galore_torch import GaLoreAdamW
from galore_torch import galore_projector

args = common.arguments(__doc__)
case, tol = common.Case(args.case), common.tolerances("galore")
s = case.settings
steps, gap, shapes = s["steps"], s["update_gap"], s["shapes"]
report = common.Report("galore")

# The engine's weights after each step; perturbed, the first matrix's total update is 1.01x.
engine = [[case[f"w_{t}_{k}"].astype(np.float64) for k in range(len(shapes))] for t in range(steps)]
if args.perturb:
    w0 = case["w0_0"].astype(np.float64)
    engine[-1][0] = w0 + 1.01 * (engine[-1][0] - w0)

params = [torch.nn.Parameter(torch.from_numpy(case[f"w0_{k}"].T.copy())) for k in range(len(shapes))]
opt = GaLoreAdamW([{"params": params, "rank": s["rank"], "update_proj_gap": gap, "scale": s["alpha"],
                    "proj_type": "std"}], lr=s["lr"], betas=tuple(s["betas"]), eps=s["eps"], weight_decay=0.0)

# The peer's basis of the projected side is dim x r: Vh[:r]^T for 'right', U[:, :r] for 'left'.
original = galore_projector.GaLoreProjector.get_orthogonal_matrix
pending, outer_peer = [], []


def aligned(self, weights, rank, type):
    m = original(self, weights, rank, type)
    basis = m.T if type == "right" else m
    outer_peer.append((basis @ basis.T).double().numpy())
    target = torch.from_numpy(pending.pop(0))
    signs = torch.sign((basis * target).sum(dim=0))
    signs[signs == 0] = 1
    basis = basis * signs
    return basis.T.contiguous() if type == "right" else basis


galore_projector.GaLoreProjector.get_orthogonal_matrix = aligned

worst = [0.0] * len(shapes)
outer_worst = [0.0] * len(shapes)
for t in range(steps):
    refresh = t % gap == 0
    if refresh:
        pending = [case[f"proj_{t}_{k}"] for k in range(len(shapes))]
        outer_peer.clear()
    for k, p in enumerate(params):
        p.grad = torch.from_numpy(case[f"grad_{t}_{k}"].T.copy())
    opt.step()
    if refresh:
        for k in range(len(shapes)):
            q = case[f"proj_{t}_{k}"].astype(np.float64)
            outer_worst[k] = max(outer_worst[k], float(np.max(np.abs(q @ q.T - outer_peer[k]))))
    for k, p in enumerate(params):
        worst[k] = max(worst[k], float(np.max(np.abs(engine[t][k] - p.detach().double().numpy().T))))

for k, shape in enumerate(shapes):
    report.fraction(f"weights {shape[0]}x{shape[1]} over {steps} steps, max |engine - galore-torch|",
                    worst[k], tol["weights_abs"])
    report.fraction(f"projector P P^T {shape[0]}x{shape[1]} at every refresh, max |engine - galore-torch|",
                    outer_worst[k], tol["projector_outer_abs"])
report.finish()
