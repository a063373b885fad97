"""Block-wise 8-bit state against bitsandbytes (Dettmers et al.'s package).

The dynamic maps against `functional.create_dynamic_map`, and the quantization of a signed tensor
(Adam's first moment) and of its squares (the second) against `functional.quantize_blockwise` with
that map and the engine's block size: block maxima, codes, and the values the codes decode to.
--perturb scales the engine's block maxima by 1.01 and moves 1% of its codes one step up.
"""
import numpy as np
import torch

import common
import bitsandbytes.functional as bnbf

args = common.arguments(__doc__)
case, tol = common.Case(args.case), common.tolerances("blockwise8bit")
block = case.settings["block_size"]
report = common.Report("blockwise8bit")

for name, signed in (("signed", True), ("unsigned", False)):
    peer_map = bnbf.create_dynamic_map(signed=signed).float()
    report.compare(f"dynamic map ({name}), 256 values", case[f"map_{name}"], peer_map.numpy(), tol["map_abs"])
    x = torch.from_numpy(case[f"input_{name}"].copy())
    codes_peer, state = bnbf.quantize_blockwise(x, code=peer_map, blocksize=block)
    codes_peer, absmax_peer = codes_peer.numpy().astype(np.int64), state.absmax.float().numpy()
    codes, absmax = case[f"codes_{name}"].astype(np.int64), case[f"absmax_{name}"].astype(np.float64)
    if args.perturb:
        absmax = absmax * 1.01
        codes = codes.copy()
        codes[::100] = np.minimum(codes[::100] + 1, 255)
    report.compare(f"block maxima ({name}, {len(absmax)} blocks)", absmax, absmax_peer, tol["absmax_rel"],
                   relative=True)
    report.fraction(f"codes that differ ({name}, fraction of {len(codes)})",
                    float(np.mean(codes != codes_peer)), tol["codes_mismatch_fraction"])
    blocks = np.arange(len(codes)) // block
    table = case[f"map_{name}"].astype(np.float64)
    # Where the codes differ, which one is nearer to the value over its block's maximum?
    differ = np.nonzero(codes != codes_peer)[0]
    target = case[f"input_{name}"].astype(np.float64)[differ] / absmax_peer[blocks[differ]]
    engine_error = np.abs(table[codes[differ]] - target)
    peer_error = np.abs(peer_map.double().numpy()[codes_peer[differ]] - target)
    report.note(f"{name}: of {len(differ)} differing codes, the engine's is the nearer in "
                f"{int(np.sum(engine_error < peer_error))}, bitsandbytes' in {int(np.sum(peer_error < engine_error))}")
    decoded = table[codes] * absmax[blocks]
    decoded_peer = peer_map.double().numpy()[codes_peer] * absmax_peer[blocks]
    report.fraction(f"decoded values ({name}), max |engine - bitsandbytes| / block maximum",
                    float(np.max(np.abs(decoded - decoded_peer) / absmax_peer[blocks])), tol["decoded_abs_over_absmax"])
report.finish()
