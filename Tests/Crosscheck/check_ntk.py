"""ntk-regime's kernels against neural-tangents (Novak et al. 2020), float64.

The analytic NNGP and NTK limits of a depth-4 ReLU net in the NTK parametrization (beta 0.1) for x0 = (1, 0)
against the scenario's points on the unit circle: the engine's arc-cosine recursion against kernel_fn of
stax.serial(Dense, Relu, ..., Dense). The empirical NTK of two exported nets (widths 64 and 512) against
empirical_ntk_fn of the same stax net on the same parameters. Runs in its own venv: neural-tangents 0.6.5 needs
jax 0.4.30 and tf2jax 0.3.6 (make crosscheck makes it). --perturb scales the engine's analytic NTK by 1.0001 and
its empirical NTK of width 512 by 1.01.
"""
import jax

jax.config.update("jax_enable_x64", True)
import jax.numpy as jnp  # noqa: E402
import neural_tangents as nt  # noqa: E402
from neural_tangents import stax  # noqa: E402
import numpy as np  # noqa: E402

import common  # noqa: E402

args = common.arguments(__doc__)
case, tol = common.Case(args.case), common.tolerances("ntk")
s = case.settings
report = common.Report("ntk")
depth, beta = s["depth"], s["beta"]


def network(width):
    layers = []
    for _ in range(depth - 1):
        layers += [stax.Dense(width, W_std=1.0, b_std=beta, parameterization="ntk"), stax.Relu()]
    return stax.serial(*layers, stax.Dense(1, W_std=1.0, b_std=beta, parameterization="ntk"))


x0, circle = jnp.asarray(case["x0"]), jnp.asarray(case["circle"])
_, apply_fn, kernel_fn = network(s["widths"][0])
limit = kernel_fn(x0, circle, ("nngp", "ntk"))
ntk_engine = case["analytic_ntk"] * (1.0001 if args.perturb else 1)
report.compare("analytic NNGP limit Sigma(x0, x(gamma))", case["analytic_nngp"], np.asarray(limit.nngp).ravel(),
               tol["analytic_rel"], relative=True)
report.compare("analytic NTK limit Theta_inf(x0, x(gamma))", ntk_engine, np.asarray(limit.ntk).ravel(),
               tol["analytic_rel"], relative=True)
report.compare("analytic NTK limit, the Tensor form the figures use", case["analytic_ntk_gram"],
               np.asarray(limit.ntk), tol["analytic_rel"], relative=True)

for width in s["widths"]:
    _, apply_fn, _ = network(width)
    params = []
    for k in range(depth):
        params.append((jnp.asarray(case[f"w{width}_weight_{k}"]), jnp.asarray(case[f"w{width}_bias_{k}"]).reshape(-1)))
        if k < depth - 1:
            params.append(())
    empirical = nt.empirical_ntk_fn(apply_fn, vmap_axes=0)
    engine = case[f"w{width}_empirical"] * (1.01 if args.perturb and width == 512 else 1)
    report.compare(f"width {width}: empirical NTK Theta(x0, x(gamma))", engine,
                   np.asarray(empirical(x0, circle, params)), tol["empirical_rel"], relative=True)
    report.compare(f"width {width}: empirical NTK Gram on the circle", case[f"w{width}_empirical_gram"],
                   np.asarray(empirical(circle, circle, params)), tol["empirical_rel"], relative=True)
    gap = np.max(np.abs(case[f"w{width}_empirical"] - case["analytic_ntk_gram"])) / np.max(case["analytic_ntk_gram"])
    report.note(f"width {width}: empirical against the analytic limit, largest relative gap {gap:.3f} (finite width)")
report.note(f"neural-tangents {nt.__version__}, jax {jax.__version__}")
report.finish()
