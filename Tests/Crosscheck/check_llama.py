"""galore-memory's LLaMA against PyTorch golden tensors (llm.c's check of its CPU reference).

The engine's model at the scenario's quick size with each parametrization it trains (dense; LoRA, W frozen,
y = x W + (alpha / r) x A B; low-rank, y = x A B), in float32 and float64, rebuilt here from the exported
tensors with PyTorch's own pieces: F.embedding, F.scaled_dot_product_attention (causal), F.silu,
F.cross_entropy, torch.optim.Adam; RMSNorm and rotate-half RoPE written out as LLaMA's reference code has
them. Compared: the loss at step 0 and at each of 10 Adam steps, every trained tensor's gradient at step 0,
every trained tensor after step 10 (each relative to the tensor's largest entry; one line per group
naming the worst tensor). --perturb scales the engine's step-0 gradient of the embedding by 1.01.
"""
import numpy as np
import torch
import torch.nn.functional as F

import common

args = common.arguments(__doc__)
case, tol = common.Case(args.case), common.tolerances("llama")
s = case.settings
torch.set_num_threads(1)
dim, heads, layers = s["dim"], s["heads"], s["layers"]
head_dim = dim // heads
steps, batch, seq = s["steps"], s["batch"], s["seq_len"]
tokens = torch.from_numpy(case["tokens"].reshape(s["tokens_shape"]))
report = common.Report("llama")


def rms_norm(x, gain):
    return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + s["rms_eps"]) * gain


def rope(x, dtype):
    """x [B, H, T, Dh]: each pair (x_i, x_{i + Dh/2}) rotated by t * base^(-2i/Dh)."""
    half = head_dim // 2
    freq = s["rope_base"] ** (-2 * torch.arange(half, dtype=torch.float64) / head_dim)
    angle = torch.arange(seq, dtype=torch.float64)[:, None] * freq[None, :]
    cos, sin = torch.cat([angle.cos()] * 2, -1).to(dtype), torch.cat([angle.sin()] * 2, -1).to(dtype)
    rotated = torch.cat([-x[..., half:], x[..., :half]], -1)
    return x * cos + rotated * sin


class Llama:
    """The tensors in the engine's order and names; `project` applies one of the seven projections."""

    def __init__(self, names, tensors):
        self.t = dict(zip(names, tensors))

    def project(self, x, name):
        w, a, b = self.t.get(name), self.t.get(name + ".A"), self.t.get(name + ".B")
        if a is None:
            return x @ w
        low = (x @ a) @ b
        return low if w is None else x @ w + (s["lora_alpha"] / s["rank"]) * low

    def loss(self, rows):
        inputs, targets = rows[:, :-1], rows[:, 1:]
        x = F.embedding(inputs, self.t["embedding"])                  # [B, T, C]
        split = lambda y: y.view(batch, seq, heads, head_dim).transpose(1, 2)
        for i in range(layers):
            n = f"block{i}"
            h = rms_norm(x, self.t[n + ".attn_norm"])
            q = rope(split(self.project(h, n + ".attn.q")), x.dtype)
            k = rope(split(self.project(h, n + ".attn.k")), x.dtype)
            v = split(self.project(h, n + ".attn.v"))
            a = F.scaled_dot_product_attention(q, k, v, is_causal=True).transpose(1, 2).reshape(batch, seq, dim)
            x = x + self.project(a, n + ".attn.o")
            m = rms_norm(x, self.t[n + ".mlp_norm"])
            x = x + self.project(F.silu(self.project(m, n + ".mlp.gate")) * self.project(m, n + ".mlp.up"),
                                 n + ".mlp.down")
        logits = rms_norm(x, self.t["final_norm"]) @ self.t["lm_head.weight"]
        return F.cross_entropy(logits.reshape(-1, logits.shape[-1]), targets.reshape(-1))


def worst(quantity, prefix, kind, indices, names, peer, tolerance):
    """One line for a group of tensors: the one with the largest relative difference."""
    def relative(k):
        e, p = case[f"{prefix}_{kind}_{k}"].astype(np.float64), peer[k]
        scale = np.max(np.abs(p))
        return np.max(np.abs(e - p)) / scale if scale > 0 else np.max(np.abs(e - p))
    k = max(indices, key=relative)
    engine = case[f"{prefix}_{kind}_{k}"]
    if args.perturb and prefix == "dense_f32" and kind == "grad0":     # the embedding's gradient, scaled
        k = 0
        engine = case[f"{prefix}_grad0_0"] * 1.01
    report.compare(f"{quantity} ({len(indices)} tensors; the worst, {names[k]})", engine, peer[k], tolerance,
                   relative=True)
    scale = np.max(np.abs(peer[k]))
    over = int(np.sum(np.abs(engine.astype(np.float64) - peer[k]) > tolerance * scale))
    if over:
        report.note(f"{quantity}: {over} of {engine.size} entries of {names[k]} above the tolerance")


for variant in s["variants"]:
    names, trained = s[variant]["names"], s[variant]["trained"]
    for precision, dtype in [("f32", torch.float32), ("f64", torch.float64)]:
        prefix, bits = f"{variant}_{precision}", precision[1:]
        tensors = [torch.from_numpy(case[f"{prefix}_init_{k}"].copy()) for k in range(len(names))]
        assert all(t.dtype == dtype for t in tensors), f"{prefix}: exported tensors are not {dtype}"
        params = [t for t, on in zip(tensors, trained) if on]
        for p in params:
            p.requires_grad_(True)
        model = Llama(names, tensors)
        opt = torch.optim.Adam(params, lr=s["lr"], betas=tuple(s["betas"]), eps=s["eps"])
        losses, grads = [], {}
        for t in range(steps):
            opt.zero_grad()
            loss = model.loss(tokens[t])
            losses.append(loss.item())
            loss.backward()
            if t == 0:
                grads = {k: tensors[k].grad.numpy().copy() for k in range(len(names)) if trained[k]}
            opt.step()
        indices = [k for k in range(len(names)) if trained[k]]
        label = f"{variant}, float{bits}"
        report.compare(f"{label}: loss at step 0", case[f"{prefix}_losses"][:1], np.array(losses[:1]),
                       tol[f"float{bits}_loss_rel"], relative=True)
        report.compare(f"{label}: loss at each of {steps} Adam steps", case[f"{prefix}_losses"], np.array(losses),
                       tol[f"float{bits}_loss_rel"], relative=True)
        worst(f"{label}: every gradient at step 0", prefix, "grad0", indices, names, grads,
              tol[f"float{bits}_grad_rel"])
        worst(f"{label}: every trained tensor after {steps} steps", prefix, "final", indices, names,
              {k: tensors[k].detach().numpy() for k in indices}, tol[f"float{bits}_weights_after_10_steps_rel"])
report.finish()
