"""The five training steps of `reprise bench` in JAX: each step one `jax.jit`-compiled function of
(parameters, optimizer state, batch) with optax's optimizers, the parameters and state donated so XLA
updates them in place. Same shapes, optimizers and hyperparameters as Benchmarks.swift and the PyTorch
steps beside it; timed after compilation, each call waited for with `block_until_ready`."""
import time

import jax
import jax.numpy as jnp
import optax


def median_ms(step, repeats, warmup=3):
    for _ in range(warmup):
        jax.block_until_ready(step())
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter_ns()
        jax.block_until_ready(step())
        times.append((time.perf_counter_ns() - t0) / 1e6)
    return sorted(times)[len(times) // 2]


def sgemm_peak(n=1024, repeats=15):
    key = jax.random.PRNGKey(0)
    a, b = jax.random.normal(key, (n, n)), jax.random.normal(jax.random.split(key)[0], (n, n))
    mm = jax.jit(jnp.matmul)
    return 2 * n ** 3 / median_ms(lambda: mm(a, b), repeats) / 1e6


def timed_training(loss, params, optimizer, batch, repeats):
    """Median milliseconds of one jitted step: loss and gradient, the optimizer's update, applied."""
    state = optimizer.init(params)

    def step(params, state, batch):
        value, grads = jax.value_and_grad(loss)(params, batch)
        updates, state = optimizer.update(grads, state, params)
        return optax.apply_updates(params, updates), state, value

    step = jax.jit(step, donate_argnums=(0, 1))
    carry = [params, state]

    def once():
        carry[0], carry[1], value = step(carry[0], carry[1], batch)
        return value
    return median_ms(once, repeats)


def mlp_params(widths, bias, key):
    params = []
    for a, b in zip(widths, widths[1:]):
        key, sub = jax.random.split(key)
        layer = {"w": jax.random.normal(sub, (a, b)) * jnp.sqrt(2.0 / a)}   # He, as the engine's .he
        if bias:
            layer["b"] = jnp.zeros(b)
        params.append(layer)
    return params


def mlp_loss(params, batch):
    x, y = batch
    for k, layer in enumerate(params):
        x = x @ layer["w"] + layer.get("b", 0.0)
        if k < len(params) - 1:
            x = jax.nn.relu(x)
    return optax.softmax_cross_entropy_with_integer_labels(x, y).mean()


def mlp_step(widths, batch, bias, optimizer, repeats):
    key = jax.random.PRNGKey(0)
    k1, k2, k3 = jax.random.split(key, 3)
    x, y = jax.random.normal(k1, (batch, widths[0])), jax.random.randint(k2, (batch,), 0, widths[-1])
    return timed_training(mlp_loss, mlp_params(widths, bias, k3), optimizer, (x, y), repeats)


def rms_norm(x, gain, eps=1e-5):
    return x * jax.lax.rsqrt(jnp.mean(x * x, axis=-1, keepdims=True) + eps) * gain


def rope(x, cos, sin):                       # x [B, T, H, dh], rotating pairs (2i, 2i+1)
    x1, x2 = x[..., 0::2], x[..., 1::2]
    return jnp.stack((x1 * cos - x2 * sin, x1 * sin + x2 * cos), axis=-1).reshape(x.shape)


def llama_step(repeats, vocab=256, dim=128, layers=4, heads=4, hidden=344, seq=64, batch=16):
    keys = iter(jax.random.split(jax.random.PRNGKey(0), 64))
    normal = lambda *shape: jax.random.normal(next(keys), shape) * 0.02
    params = {"embedding": normal(vocab, dim), "norm": jnp.ones(dim), "head": normal(dim, vocab), "blocks": [
        {"attn_norm": jnp.ones(dim), "mlp_norm": jnp.ones(dim), "q": normal(dim, dim), "k": normal(dim, dim),
         "v": normal(dim, dim), "o": normal(dim, dim), "gate": normal(dim, hidden), "up": normal(dim, hidden),
         "down": normal(hidden, dim)} for _ in range(layers)]}
    dh = dim // heads
    angles = jnp.arange(seq)[:, None] * 10_000 ** (-jnp.arange(0, dh, 2) / dh)[None, :]
    cos, sin = jnp.cos(angles)[None, :, None, :], jnp.sin(angles)[None, :, None, :]

    def loss(params, tokens):
        x = params["embedding"][tokens[:, :-1]]
        split = lambda z: z.reshape(batch, seq, heads, dh)
        for blk in params["blocks"]:
            h = rms_norm(x, blk["attn_norm"])
            q, k = rope(split(h @ blk["q"]), cos, sin), rope(split(h @ blk["k"]), cos, sin)
            a = jax.nn.dot_product_attention(q, k, split(h @ blk["v"]), is_causal=True)
            x = x + a.reshape(batch, seq, dim) @ blk["o"]
            m = rms_norm(x, blk["mlp_norm"])
            x = x + (jax.nn.silu(m @ blk["gate"]) * (m @ blk["up"])) @ blk["down"]
        logits = rms_norm(x, params["norm"]) @ params["head"]
        return optax.softmax_cross_entropy_with_integer_labels(logits, tokens[:, 1:]).mean()

    tokens = jax.random.randint(next(keys), (batch, seq + 1), 0, vocab)
    return timed_training(loss, params, optax.adamw(1e-3, weight_decay=0.1), tokens, repeats)


def steps(repeats):
    sgd = optax.sgd(0.01)
    adam = optax.adam(1e-3, b1=0.9, b2=0.99)
    adamw1 = optax.adamw(1e-3, b1=0.9, b2=0.99, weight_decay=1.0)
    return [
        ("MLP 784-256-256-10", mlp_step([784, 256, 256, 10], 128, True, sgd, repeats * 5)),
        ("Deep MLP", mlp_step([784] + [50] * 20 + [10], 128, True, sgd, repeats * 5)),
        ("Grokking MLP", mlp_step([226, 200, 200, 113], 5107, False, adamw1, repeats)),
        ("Wide MLP", mlp_step([784, 1024, 1024, 10], 256, True, adam, repeats)),
        ("LLaMA", llama_step(repeats)),
    ]
