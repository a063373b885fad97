"""gradient-noise's 20-layer net against PyTorch, float32, from the scenario's own initial weights and batches.

The quick he_clip10 trial without noise (784-50x20-10 ReLU MLP, He init, softmax cross-entropy): the loss and
every gradient tensor at step 0, the loss at each of the first ten SGD steps (lr 0.1, clip_grad_norm_ at 10),
and the step where the two trajectories first differ by more than 1e-3 relative over 100 steps (reported).
--perturb scales the engine's step-0 gradient of the first hidden layer's weight by 1.01 and its loss at step 5
by 1.001.
"""
import numpy as np
import torch
import torch.nn.functional as F

import common

args = common.arguments(__doc__)
case, tol = common.Case(args.case), common.tolerances("gradient_noise")
s = case.settings
torch.set_num_threads(1)      # deterministic reductions: the reference gives the same bits twice
report = common.Report("gradient-noise")
layers, batch, steps = s["layers"], s["batch"], s["steps"]
x, labels = torch.from_numpy(case["x"]), torch.from_numpy(case["labels"])
params = [torch.nn.Parameter(torch.from_numpy(case[f"param_{k}"].copy())) for k in range(2 * layers)]
opt = torch.optim.SGD(params, lr=s["lr"])


losses = []
for t in range(steps):
    opt.zero_grad()
    rows = slice(t * batch, (t + 1) * batch)
    loss = F.cross_entropy(common.relu_mlp(params, x[rows]), labels[rows])
    losses.append(loss.item())
    loss.backward()
    if t == 0:
        for k, p in enumerate(params):
            engine = case[f"grad0_{k}"] * (1.01 if args.perturb and k == 2 else 1)
            report.compare(f"gradient of tensor {k} {tuple(p.shape)} at step 0", engine, p.grad.numpy(),
                           tol["grad0_rel"], relative=True)
    if s["clip_global_norm"] is not None:
        torch.nn.utils.clip_grad_norm_(params, s["clip_global_norm"])
    opt.step()
engine = case["losses"].copy()
if args.perturb:
    engine[5] *= 1.001
peer = np.array(losses)
report.compare("loss at step 0", engine[:1], peer[:1], tol["loss0_rel"], relative=True)
first = tol["first_steps"]
report.compare(f"loss at each of the first {first} SGD steps", engine[:first], peer[:first],
               tol["losses_first_steps_rel"], relative=True)
apart = np.nonzero(np.abs(engine - peer) / np.abs(peer) > tol["separation_rel"])[0]
report.note(f"losses first differ by more than {tol['separation_rel']:g} relative at step "
            + (f"{apart[0]}" if apart.size else "never") + f" of {steps}; largest relative difference over all "
            + f"{steps} steps {np.max(np.abs(engine - peer) / np.abs(peer)):.2e}")
report.finish()
