"""Training an MLP of the scenarios' kind against PyTorch, float32, from the same weights and batches.

He-initialized ReLU MLP with biases, softmax cross-entropy; 10 steps of SGD with global-norm
clipping, Adam, AdamW and perpAdamW (AdamW on the gradient made orthogonal to each weight tensor and
rescaled to its norm, as the grokking authors' OrthoGrad). Compared: the loss at every step, every
gradient tensor of step 0, every weight tensor after step 10 (each relative to the tensor's largest
entry). --perturb scales the engine's step-0 gradient of the first weight by 1.01.
"""
import numpy as np
import torch
import torch.nn.functional as F

import common

args = common.arguments(__doc__)
case, tol = common.Case(args.case), common.tolerances("mlp_training")
s = case.settings
layers, batch, steps = len(s["widths"]) - 1, s["batch"], s["steps"]
x, labels = torch.from_numpy(case["x"]), torch.from_numpy(case["labels"])
report = common.Report("mlp")


for name in s["optimizers"]:
    params = [torch.nn.Parameter(torch.from_numpy(case[f"param_{k}"].copy())) for k in range(2 * layers)]
    settings = s[name]
    if name == "sgd_clip":
        opt = torch.optim.SGD(params, lr=settings["lr"])
    elif name == "adam":
        opt = torch.optim.Adam(params, lr=settings["lr"], betas=tuple(settings["betas"]), eps=settings["eps"])
    else:
        opt = torch.optim.AdamW(params, lr=settings["lr"], weight_decay=settings["weight_decay"])
    losses = []
    for t in range(steps):
        opt.zero_grad()
        rows = slice(t * batch, (t + 1) * batch)
        loss = F.cross_entropy(common.relu_mlp(params, x[rows]), labels[rows])
        losses.append(loss.item())
        loss.backward()
        if t == 0:
            for k, p in enumerate(params):
                engine = case[f"{name}_grad0_{k}"]
                if args.perturb and k == 0:
                    engine = engine * 1.01
                report.compare(f"{name}: gradient of tensor {k} {tuple(p.shape)} at step 0", engine,
                               p.grad.numpy(), tol["grad_rel"], relative=True)
        if name == "sgd_clip":
            torch.nn.utils.clip_grad_norm_(params, settings["max_norm"])
        if name == "perp_adamw":
            common.orthogonalize(params)
        opt.step()
    report.compare(f"{name}: loss at each of {steps} steps", case[f"{name}_losses"], np.array(losses),
                   tol["loss_rel"], relative=True)
    for k, p in enumerate(params):
        report.compare(f"{name}: weights of tensor {k} after {steps} steps", case[f"{name}_final_{k}"],
                       p.detach().numpy(), tol["weights_after_10_steps_rel"], relative=True)
report.finish()
