"""Time per pass of the data-parallel solver='lbfgs' at the paper's size, on paper.

The paper: 4.7M images x 4,096 features (fc7) x 5,400 tags, float32. One pass of
the full-batch objective (``skrobust.linear_model._dask_pass``) on W workers is

* compute: two matrix products of n x d x T per pass (scores, then gradient), 4 n d T
  flops, split evenly over the workers, at ``EFFICIENCY`` of each worker's GEMM rate
  (the E-step and gradient kernels reached 0.85-0.9 of it at 5,400 tags on one core,
  benchmarks/RESULTS.md, "Training throughput");
* broadcast of the parameters, T x (d + 2) floats (coef, intercept, logit pi): one
  copy goes to a worker (``_dask_blocks.sent_once``, as ``Client.scatter(broadcast=True)``
  did when this model was written) and the other workers fetch it from the holders,
  so one node's link carries about W copies;
  a pipelined (chain or torrent) broadcast would carry about 2 copies per link;
* reduction: each worker first adds its own blocks' sums in memory, then a tree of
  fan-in 8 across workers: per level, one worker receives 7 partial sums of
  T x (d + 5) floats; the total then goes to the driver;
* the driver's L-BFGS step: the two-loop recursion reads ~2m + 10 weight-sized arrays
  (m = 10 pairs) at memory speed.

Assumed hardware (stated, not measured at this size): a worker is one 16-core node
at 100 GFLOP/s float32 GEMM per core (measured single-thread on this project's AVX-512
machines: ~100-120 GFLOP/s), linked by 10 Gbit/s Ethernet (1.25 GB/s each way per
node), driver memory bandwidth 12 GB/s (measured copy rate). Iterations to
convergence: 50 passes (noise='missing' reached the 1e-3 gap in 46 iterations at 20k
x 4,096 x 81, benchmarks/RESULTS.md, "Time to accuracy").
"""

import math

N, D, T = 4_700_000, 4096, 5400
BYTES = 4  # float32
FLOPS_PER_WORKER = 16 * 100e9
EFFICIENCY = 0.87
LINK = 1.25e9  # bytes/s, 10 Gbit/s
MEMORY_BANDWIDTH = 12e9
PASSES = 50
FAN_IN = 8
MEMORY_PAIRS = 10


def paper_model_rows(workers=(1, 8, 16, 32, 64, 128)):
    """One row per cluster size: seconds per pass by part, the bottleneck, minutes to
    convergence, and the data held per worker."""
    params = T * (D + 2) * BYTES
    sums = T * (D + 5) * BYTES
    rows = []
    for w in workers:
        compute = 4 * N * D * T / (w * FLOPS_PER_WORKER * EFFICIENCY)
        broadcast = (w * params / LINK) if w > 1 else params / LINK
        broadcast_pipelined = (2 if w > 1 else 1) * params / LINK
        levels = math.ceil(math.log(w, FAN_IN)) if w > 1 else 0
        reduce = levels * (FAN_IN - 1) * sums / LINK + sums / LINK
        driver = (2 * MEMORY_PAIRS + 10) * params / MEMORY_BANDWIDTH
        parts = {"compute": compute, "broadcast": broadcast, "reduce": reduce,
                 "driver": driver}
        per_pass = sum(parts.values())
        per_pass_pipelined = per_pass - broadcast + broadcast_pipelined
        rows.append(dict(
            workers=w, compute_s=compute, broadcast_s=broadcast, reduce_s=reduce,
            driver_step_s=driver, pass_s=per_pass, bottleneck=max(parts, key=parts.get),
            minutes_to_converge=PASSES * per_pass / 60,
            pass_s_pipelined_broadcast=per_pass_pipelined,
            minutes_pipelined=PASSES * per_pass_pipelined / 60,
            GB_data_per_worker=N * D * BYTES / w / 1e9,
        ))
    return rows


if __name__ == "__main__":
    for row in paper_model_rows():
        print({k: (round(v, 3) if isinstance(v, float) else v) for k, v in row.items()})
