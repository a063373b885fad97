# reprise: the two commands are `make replicate-all` and `make test`.
SHELL := /bin/bash
SWIFT ?= swift
BIN := .build/release/reprise
DEB_PACKAGES := libopenblas-dev libsqlite3-dev sqlite3 zlib1g-dev pkg-config gnuplot-nox libgnuplot-iostream-dev \
	fortunes dataset-fashion-mnist
PROFILE ?= quick

.PHONY: all deps build test test-debug test-slurm test-report lint replicate-all run plot report check baselines bench bench-peers crosscheck crosscheck-numpy clean

all: build

# Installs the Debian packages that are missing (as root; otherwise prints what to install).
deps:
	@missing=$$(for p in $(DEB_PACKAGES); do dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q "install ok installed" || echo $$p; done); \
	if [ -z "$$missing" ]; then echo "deps: all Debian packages present"; \
	elif [ "$$(id -u)" = 0 ]; then echo "deps: installing $$missing"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing; \
	else echo "deps: missing Debian packages: $$missing (run as root: apt-get install $$missing)"; exit 1; fi

build: deps
	$(SWIFT) build -c release

# Numeric tests run optimized: release mode, the same code paths users run. OpenBLAS picks its
# kernels by CPU model, and kernels round differently; the golden values in results/baselines were
# taken with the Haswell kernels, which every AVX2 x86-64 CPU runs, so the tests pin them.
test: deps
	$(SWIFT) build -c release --build-tests
	OPENBLAS_CORETYPE=Haswell $(SWIFT) test -c release --skip-build

# The engine and suite tests again in a debug build, where every precondition and overflow check
# is live (the release build's engine, data and scenario targets are -Ounchecked). The scenario smoke
# runs stay release-only: in debug they take many minutes and check numbers the release run already checks.
# Measured (2026-12-04): 5.2 min in all.
test-debug: deps
	$(SWIFT) build --build-tests
	OPENBLAS_CORETYPE=Haswell $(SWIFT) test --skip-build --filter "EngineTests|SuiteTests"

# The layout of every Swift file against .swift-format (the toolchain's swift-format; lines of at most 120
# characters): a file the formatter would change fails, with the line. `swift format -i -r Sources Tests
# Package.swift` applies it.
lint:
	@$(SWIFT) format --version >/dev/null 2>&1 || { echo "lint: swift-format not found (it ships with the Swift toolchain, 5.8 or later)"; exit 1; }
	$(SWIFT) format lint --strict --recursive --configuration .swift-format Sources Tests Package.swift
	@python3 -c 'import glob, sys; long = [f"{f}:{i}: {len(l)} characters" for f in glob.glob("Sources/**/*.swift", recursive=True) + glob.glob("Tests/**/*.swift", recursive=True) for i, l in enumerate(open(f, encoding="utf-8").read().split("\n"), 1) if len(l) > 120]; print("\n".join(long) or "lint: no line over 120 characters"); sys.exit(1 if long else 0)'

# Sharding on a real single-node Slurm started on this machine (installs slurmctld, slurmd,
# slurm-client and munge if missing; stops only the daemons it started).
test-slurm: build
	bash Tests/Slurm/slurm-test.sh

# The HTML report in a real browser (issue 30): smoke runs into a scratch store, report --html, Debian's
# chromium headless (installed if missing); no console error or failed resource, every tally on the page.
test-report: build
	BIN=$(BIN) bash Tests/Report/report-test.sh

replicate-all: build
	$(BIN) run --all --profile $(PROFILE)
	$(BIN) plot --all --profile $(PROFILE)
	$(BIN) report --profile $(PROFILE) --html
	$(BIN) check

run: build
	$(BIN) run $(SCENARIO) --profile $(PROFILE)

plot: build
	$(BIN) plot --all --profile $(PROFILE)

report: build
	$(BIN) report --profile $(PROFILE) --html

check: build
	$(BIN) check

# Re-takes every smoke baseline as README describes: seeds 0-4 of each scenario under the kernel set
# `make test` pins (the trial cache serves only trials of the running kernel), then `reprise baseline`.
SCENARIOS := double-descent galore-memory gradient-noise grokking-stablemax lr-batch-scaling ntk-regime
baselines: build
	for s in 0 1 2 3 4; do OPENBLAS_CORETYPE=Haswell $(BIN) run --all --profile smoke --seed $$s --quiet || exit 1; done
	for id in $(SCENARIOS); do OPENBLAS_CORETYPE=Haswell $(BIN) baseline $$id --profile smoke || exit 1; done

bench: build
	$(BIN) bench

# The same five steps in PyTorch eager, torch.compile and JAX (jax.jit), back to back with `reprise bench`,
# side by side. Needs PyPI once: torch, jax and optax go into the cross-checks' venv under the user's cache
# (several GB with torch's CUDA wheels; reused, kept out of the clone and of `make test`).
bench-peers: build
	@test -x $(CROSSCHECK_VENV)/bin/python || python3 -m venv $(CROSSCHECK_VENV) || { echo "bench-peers: python3 -m venv failed (Debian: apt-get install python3-venv)"; exit 1; }
	@$(CROSSCHECK_VENV)/bin/python -c "import torch, jax, optax" 2>/dev/null || $(CROSSCHECK_VENV)/bin/pip install --quiet torch jax optax || { echo "bench-peers: pip could not install torch jax optax into $(CROSSCHECK_VENV)"; exit 1; }
	$(CROSSCHECK_VENV)/bin/python Tests/Peers/bench_peers.py --reprise $(BIN) --repeats 40

# Cross-checks against PyTorch, galore-torch, bitsandbytes, SciPy and neural-tangents (issue 29;
# Tests/Crosscheck): venvs from PyPI under the user's cache (several GB, reused; outside the clone's build
# products), then every check, each also run with a perturbed input that it must catch. A peer that cannot
# be installed or imported is reported as not run. Writes results/CROSSCHECK.md.
CROSSCHECK_VENV := $(HOME)/.cache/reprise/crosscheck
CROSSCHECK_PACKAGES := torch numpy scipy galore-torch bitsandbytes
# neural-tangents 0.6.5 needs the jax and tf2jax of its time (newer ones removed names it imports): a venv of its own.
NT_VENV := $(HOME)/.cache/reprise/neural-tangents
NT_PACKAGES := neural-tangents==0.6.5 jax==0.4.30 jaxlib==0.4.30 tf2jax==0.3.6
crosscheck: build
	@test -x $(CROSSCHECK_VENV)/bin/python || python3 -m venv $(CROSSCHECK_VENV) || { echo "crosscheck: python3 -m venv failed (Debian: apt-get install python3-venv)"; exit 1; }
	@$(CROSSCHECK_VENV)/bin/python -c "import torch, numpy, scipy, galore_torch, bitsandbytes" 2>/dev/null || $(CROSSCHECK_VENV)/bin/pip install --quiet $(CROSSCHECK_PACKAGES) || { echo "crosscheck: pip could not install $(CROSSCHECK_PACKAGES) into $(CROSSCHECK_VENV)"; exit 1; }
	@test -x $(NT_VENV)/bin/python || python3 -m venv $(NT_VENV) || echo "crosscheck: no venv for neural-tangents: its check will say not run"
	@$(NT_VENV)/bin/python -c "import neural_tangents" 2>/dev/null || $(NT_VENV)/bin/pip install --quiet $(NT_PACKAGES) || echo "crosscheck: pip could not install $(NT_PACKAGES): the ntk check will say not run"
	$(CROSSCHECK_VENV)/bin/python Tests/Crosscheck/run_all.py --reprise $(BIN) --out results/CROSSCHECK.md --nt-python $(NT_VENV)/bin/python

# The cross-checks that need only NumPy and SciPy (double-descent's fits), in .ci/run: a small venv from
# PyPI (its wheels bring their own OpenBLAS, so the reference is not the engine's LAPACK), each check also
# run perturbed. The report goes with the build products; results/CROSSCHECK.md is make crosscheck's.
NUMPY_VENV := $(HOME)/.cache/reprise/crosscheck-numpy
crosscheck-numpy: build
	@test -x $(NUMPY_VENV)/bin/python || python3 -m venv $(NUMPY_VENV) || { echo "crosscheck-numpy: python3 -m venv failed (Debian: apt-get install python3-venv)"; exit 1; }
	@$(NUMPY_VENV)/bin/python -c "import numpy, scipy" 2>/dev/null || $(NUMPY_VENV)/bin/pip install --quiet numpy scipy || { echo "crosscheck-numpy: pip could not install numpy scipy into $(NUMPY_VENV)"; exit 1; }
	$(NUMPY_VENV)/bin/python Tests/Crosscheck/run_all.py --reprise $(BIN) --only double-descent --out .build/crosscheck-numpy.md

# Build products only: results/ (the store and its trial cache) is what runs produced.
clean:
	rm -rf .build
