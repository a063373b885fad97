"""`make crosscheck`: every cross-check against the field's own implementations, and its proof.

For each check: `reprise crosscheck-case` writes the inputs and the engine's results, the check's
script recomputes them with the peer and compares within the committed tolerance (tolerances.json),
then runs again with --perturb, where it must miss. A peer that cannot be imported is reported as
"not run" with the reason, never as a pass. Writes the dated report (results/CROSSCHECK.md) and
exits non-zero on any miss or any perturbation that went unnoticed.
"""
import argparse
import datetime
import importlib.metadata
import json
import os
import platform
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))

# (case, script, peer modules, what it checks against); a check whose peer needs its own venv is listed in VENVS.
CHECKS = [
    ("mlp", "check_mlp.py", ["torch"],
     "PyTorch autograd and torch.optim (SGD + clip_grad_norm_, Adam, AdamW; OrthoGrad as the grokking authors')"),
    ("hvp", "check_hvp.py", ["torch"], "torch.func: grad, and jvp of grad (forward-over-reverse H v), float64"),
    ("curvature", "check_curvature.py", ["torch", "scipy"],
     "scipy.sparse.linalg.eigsh on torch.func's H v; torch.func.vmap(grad) for per-example gradients"),
    ("lr-batch", "check_lr_batch.py", ["torch", "scipy"],
     "scipy.sparse.linalg.eigsh on torch.func's H v over the checkpoint's 50 000 examples; torch.func.vmap(grad)"),
    ("galore", "check_galore.py", ["torch", "galore_torch"], "galore-torch's GaLoreAdamW (the authors' package)"),
    ("grokking", "check_grokking.py", ["torch"],
     "PyTorch: F.cross_entropy in float32 and float64, StableMax as the paper defines it, torch.optim.Adam with "
     "OrthoGrad; the quick budgets trained from the engine's start"),
    ("gradient-noise", "check_gradient_noise.py", ["torch"],
     "PyTorch: the 20-layer net's loss and 42 gradients at step 0, SGD with clip_grad_norm_ for 100 steps"),
    ("double-descent", "check_double_descent.py", ["numpy", "scipy"],
     "SciPy's lstsq (gelsy: QR with column pivoting) and gesvd, an explicit NumPy GD loop; PyPI wheels"),
    ("ntk", "check_ntk.py", ["neural_tangents", "jax"],
     "neural-tangents 0.6.5: stax kernel_fn (analytic NNGP and NTK) and empirical_ntk_fn, float64"),
    ("llama", "check_llama.py", ["torch"],
     "PyTorch: F.embedding, F.scaled_dot_product_attention, F.silu, F.cross_entropy, torch.optim.Adam; RMSNorm and "
     "RoPE as LLaMA's reference code; dense, LoRA and low-rank projections, float32 and float64"),
    ("blockwise8bit", "check_blockwise8bit.py", ["torch", "bitsandbytes"],
     "bitsandbytes: functional.create_dynamic_map, functional.quantize_blockwise"),
]

# neural-tangents 0.6.5 imports names that newer jax and tf2jax removed: it runs from a venv of its own
# (--nt-python), with jax 0.4.30 and tf2jax 0.3.6.
VENVS = {"ntk": "nt_python"}

# What the checks leave out, listed so that the report does not read as more complete than it is.
NOT_CHECKED = [
    "LoRA's dropout (p = 0.05 in galore-memory): its masks come from the engine's stream, which a peer must not "
    "re-implement, so the LLaMA check runs LoRA with p = 0",
    "bitsandbytes' 8-bit Adam (optim.Adam8bit runs on CPU in 0.50.2: uint8 states in blocks of 256): its blocks "
    "are 256 entries where the engine's (and quantize_blockwise's default, which check blockwise8bit compares) are "
    "2048, so the two optimizers agree only to quantization noise, a tolerance a wrong implementation would also "
    "meet; what they share, the dynamic map and the block-wise quantization, is compared in blockwise8bit",
]


def importable(python, modules):
    """None when `python` imports every module, else the reason (the last line of its error)."""
    if python is None:
        return "no interpreter given"
    code, out = run([python, "-c", "import " + ", ".join(modules)])
    return None if code == 0 else (out.splitlines() or ["?"])[-1]


def run(cmd):
    """Exit code and standard output; standard error (the peers' deprecation warnings) only when the
    command printed nothing else, so that a crash still shows its reason."""
    p = subprocess.run(cmd, capture_output=True, text=True)
    return p.returncode, (p.stdout.strip() or p.stderr.strip()[-2000:])


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--reprise", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--nt-python", help="the interpreter of the neural-tangents venv (make crosscheck makes it)")
    ap.add_argument("--only", nargs="*", help="run only these checks (make crosscheck-numpy: the NumPy/SciPy ones)")
    args = ap.parse_args()
    started = time.time()
    lines, failures = [], 0
    rows = []
    with tempfile.TemporaryDirectory() as work:
        for case, script, modules, reference in CHECKS:
            if args.only and case not in args.only:
                continue
            python = getattr(args, VENVS[case]) if case in VENVS else sys.executable
            problem = importable(python, modules)
            if problem:
                rows.append((case, reference, f"not run: cannot import {', '.join(modules)} ({problem})", ""))
                continue
            t0 = time.time()
            directory = os.path.join(work, case)
            code, out = run([args.reprise, "crosscheck-case", case, "--out", directory])
            if code != 0:
                failures += 1
                rows.append((case, reference, f"FAILED: reprise crosscheck-case exited {code}: {out[-300:]}", ""))
                continue
            script_path = os.path.join(HERE, script)
            code, out = run([python, script_path, "--case", directory])
            perturbed, perturbed_out = run([python, script_path, "--case", directory, "--perturb"])
            # Caught: the perturbed run misses more quantities than the plain one.
            caught = perturbed != 0 and perturbed_out.count("MISS") > out.count("MISS")
            verdict = "pass" if code == 0 else "MISS"
            if code != 0 or not caught:
                failures += 1
            print(out)
            print(f"{case}: with --perturb: " + ("caught" if caught else "NOT CAUGHT"))
            missed = f"{perturbed_out.count('MISS')} quantities missed, {out.count('MISS')} without it"
            lines.append(f"### {case}\n\n```\n{out}\n```\n\nWith `--perturb`: "
                         + (f"caught ({missed})" if caught else "**not caught**") + "\n")
            rows.append((case, reference, verdict, f"{time.time() - t0:.1f} s"))
    elapsed = time.time() - started
    with open(os.path.join(HERE, "tolerances.json")) as f:
        changed = {k: v["changed_after_first_run"] for k, v in json.load(f).items()
                   if isinstance(v, dict) and "changed_after_first_run" in v}
    def installed(d):
        try:
            return f"{d} {importlib.metadata.version(d)}"
        except importlib.metadata.PackageNotFoundError:
            return f"{d} not installed"
    versions = ", ".join(installed(d) for d in ["numpy", "scipy", "torch", "galore-torch", "bitsandbytes"])
    table = ["| check | reference | result | time |", "|---|---|---|---|"]
    table += [f"| {c} | {r} | {v} | {t} |" for c, r, v, t in rows]
    report = [
        "# Cross-checks against the field's implementations",
        "",
        f"Run {datetime.datetime.now(datetime.timezone.utc).strftime('%Y-%m-%d %H:%M UTC')} by `make crosscheck` "
        f"on {platform.machine()}, Python {platform.python_version()}; {versions}. Whole target: {elapsed:.0f} s "
        "(the virtual environment already installed). Tolerances and their reasons: "
        "`Tests/Crosscheck/tolerances.json`, each committed before its check's first comparison; "
        + (("changed after a first run: " + "; ".join(f"**{k}**: {v}" for k, v in changed.items()))
           if changed else "none has changed since."),
        "",
        *table,
        "",
        *(["Not checked:", "", *[f"- {n}" for n in NOT_CHECKED], ""] if NOT_CHECKED else []),
        "## Output of each check",
        "",
        *lines,
    ]
    with open(args.out, "w") as f:
        f.write("\n".join(report))
    print(f"crosscheck: {len(rows)} checks, {failures} failed or uncaught; report in {args.out} ({elapsed:.0f} s)")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
