"""Render benchmarks/results/*.json as benchmarks/RESULTS.md (tables, machine, date).

Each section shows one table per machine kind (CPU model, instruction set, BLAS
kernel): ``results/<name>.json`` and every ``results/<name>__<machine>.json``
(``--machine-suffix`` of the benchmark scripts, or a rename) are rendered, each
under its own machine line, with the command and date it was measured with.

Run after the benchmark scripts: python benchmarks/make_results.py
"""

import json
from pathlib import Path

HERE = Path(__file__).resolve().parent

# result file -> (title, command that produced it, goal text)
SECTIONS = {
    "throughput": (
        "Training throughput (partial_fit, n=500, float32; d=4096 unless the command says)",
        "python benchmarks/bench_throughput.py",
        "Goals (issue 16): >= 0.90 of the two GEMMs' rate at >= 1,000 tags and >= 0.80 at 81, "
        "in a chunk and in one-minibatch partial_fit calls; >= 50x "
        "MultiOutputClassifier(SGDClassifier) images/s at >= 300 tags.",
    ),
    "throughput_native_kernel": (
        "Training throughput with OpenBLAS's own kernel choice",
        "env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python benchmarks/bench_throughput.py "
        "--output throughput_native_kernel",
        "This machine sets OPENBLAS_CORETYPE=Haswell (for old OpenBLAS builds); unset, the "
        "current OpenBLAS picks its SkylakeX kernel and GEMM runs about twice as fast: the "
        "step is faster in absolute terms and against SGDClassifier (which does not use "
        "BLAS), and a smaller fraction of the (faster) GEMM.",
    ),
    "time_to_accuracy": (
        "Time to accuracy: reaching the regularised optimum's objective within 1e-3",
        "python benchmarks/bench_time_to_accuracy.py",
        "Goal: >= 3x faster than sklearn's one-vs-rest LogisticRegression and the PyTorch "
        "CPU baseline at 81 and 1,000 tags.",
    ),
    "cv": (
        "Model selection: RobustLogisticRegressionCV (7 strengths x 5 folds as columns of "
        "one model) against one fit",
        "python benchmarks/bench_cv.py --dataset mirflickr12k --splits 3",
        "Goal (issue 24): RobustLogisticRegressionCV() on ~8,800 x 1,280 x 24 in <= 5x one "
        "fit (it took 21x when each fold was its own fit of 100 epochs).",
    ),
    "selection_memory": (
        "Peak memory of model selection: the defaults and RobustLogisticRegressionCV against "
        "one fit",
        "python benchmarks/bench_selection_memory.py",
        "No goal. The defaults train 7 strengths as columns of one model (and 5 plain fits "
        "for pi), RobustLogisticRegressionCV 35 copies of the tags: W is one model's weights "
        "(tags x features x 4 bytes), in_W the peak in units of W (each copy holds about 5 W "
        "at its peak: weights, the previous weights for momentum, the step, and the copies "
        "that leave a failed pass without effect; the minibatch's work arrays grow with the "
        "columns too). At 5,400 tags and 4,096 features the CV estimator's 35 copies of the "
        "weights alone are 3.1 GB, so its peak would pass 10 GB (extrapolated, not "
        "measured): choose the strength on a subset of the tags, or use the defaults.",
    ),
    "memory": (
        "Peak memory of a streamed fit (d=4096, float32)",
        "python benchmarks/bench_memory.py",
        "Goal: peak <= 4 W + 2 chunks.",
    ),
    "full_fit": (
        "Full fit against scikit-learn LogisticRegression (OvR)",
        "python benchmarks/bench_full_fit.py",
        "",
    ),
    "predict": (
        "Prediction throughput (10,000 images, d=4096, float32)",
        "python benchmarks/bench_predict.py",
        "",
    ),
    "streaming_memory": (
        "Out-of-core streaming: peak RSS as the file grows",
        "python benchmarks/bench_streaming_memory.py",
        "Goal: flat as the file grows.",
    ),
    "tag_vectorizer": (
        "TagVectorizer throughput",
        "python benchmarks/bench_tag_vectorizer.py",
        "Goal: a million tag lists in well under a minute.",
    ),
    "dask": (
        "Data-parallel training on a dask cluster (solver='lbfgs' on dask arrays)",
        "python benchmarks/bench_dask.py",
        "Goals (issue 26): on LocalCluster with 2 processes >= 1.6x the throughput of 1 "
        "process on the same data, and >= 1.5x faster to the same loss than dask-ml "
        "Incremental with 2 workers; bytes moved per pass within 2x of (workers x weight "
        "size) + the reduction, no block of data reaching the client.",
    ),
    "dask_sgd": (
        "solver='sgd' (the default) on a dask cluster: averaged per-worker epochs",
        "OPENBLAS_NUM_THREADS=1 python benchmarks/bench_dask_sgd.py --repeats 3",
        "Issue 26's goal: >= 1.5x faster than dask-ml Incremental with 2 workers to the "
        "same loss (here Incremental's best in its 8 epochs). Both on bench_dask.py's data, "
        "each run on fresh clusters; 'from the files': the package's fit reads the .npy "
        "blocks inside its timer, and Incremental's time is its blocks' loading plus its "
        "epochs; 'preloaded': the blocks are in the workers' memory before either timer "
        "starts (the package then copies the blocks that are not on their chain's worker, "
        "inside its timer).",
    ),
    "dask_paper_model": (
        "Data-parallel training at the paper's size, on paper (4.7M x 4,096 x 5,400, float32)",
        "python benchmarks/bench_dask.py",
        "Seconds per pass by part for W workers (formulas and assumptions in "
        "benchmarks/_dask_paper_model.py): a worker is a 16-core node at 100 GFLOP/s per "
        "core (0.87 of it reached), 10 Gbit/s links, 50 passes to converge.",
    ),
    "metrics": (
        "Evaluation metrics timing",
        "python benchmarks/bench_metrics.py",
        "",
    ),
}


def _cell(value):
    if isinstance(value, float):
        return f"{value:.3g}" if abs(value) < 1000 else f"{value:,.0f}"
    if isinstance(value, (list, dict)):
        return json.dumps(value)
    return str(value)


def _table(rows):
    columns = list(rows[0])
    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    lines += ["| " + " | ".join(_cell(row.get(c)) for c in columns) + " |" for row in rows]
    return "\n".join(lines)


def _rows(payload):
    for key in ("rows", "results", "sizes"):
        value = payload.get(key)
        if isinstance(value, list) and value and isinstance(value[0], dict):
            return value
        if isinstance(value, dict) and value and all(isinstance(v, dict) for v in value.values()):
            return [{"case": name, **fields} for name, fields in value.items()]
    return None


def _kernel(machine):
    kernels = machine.get("blas_kernel")
    if kernels:
        return kernels
    found = sorted({lib.get("architecture") for lib in machine.get("blas", []) or []
                    if isinstance(lib, dict) and lib.get("architecture")})
    return "/".join(found) or machine.get("OPENBLAS_CORETYPE") or "not recorded"


def _machine_kind(machine):
    return (f"{machine.get('cpu_model', '?')}, {machine.get('isa') or 'ISA not recorded'}, "
            f"BLAS kernel {_kernel(machine)}")


def render():
    parts = [
        "# Benchmark results",
        "",
        "Generated by `python benchmarks/make_results.py` from `benchmarks/results/*.json`;",
        "each section names the script that measured it. Ratios are medians measured side by",
        "side in one run. These machines are shared: absolute times vary between runs.",
        "",
    ]
    for name, (title, command, goal) in SECTIONS.items():
        paths = [p for p in [HERE / "results" / f"{name}.json"] if p.exists()]
        paths += sorted((HERE / "results").glob(f"{name}__*.json"))
        if not paths:
            continue
        parts += [f"## {title}", ""]
        if goal:
            parts += [goal, ""]
        for path in paths:
            payload = json.loads(path.read_text())
            machine = payload.get("machine", {})
            if not isinstance(machine, dict):  # older scripts stored a platform string
                machine = {"cpu_model": machine, "python": payload.get("python", "?")}
            parts += [
                f"### {_machine_kind(machine)}",
                "",
                f"`{payload.get('command') or command}`",
                "",
                f"Measured {machine.get('date', '?')} on {machine.get('cpu_model', '?')} "
                f"({machine.get('cpus', '?')} CPUs, {machine.get('isa') or 'ISA not recorded'}, "
                f"BLAS kernel {_kernel(machine)}), Python {machine.get('python', '?')}.",
                "",
            ]
            if payload.get("note"):
                parts += [payload["note"], ""]
            rows = _rows(payload)
            parts.append(_table(rows) if rows
                         else "```json\n" + json.dumps(payload, indent=1)[:3000] + "\n```")
            parts.append("")
    (HERE / "RESULTS.md").write_text("\n".join(parts) + _kept_by_hand())
    print(f"wrote {HERE / 'RESULTS.md'}")


#: The line after which RESULTS.md holds sections written by hand (measurements with
#: no JSON here, such as the GPU's): re-rendering keeps them as they are.
HAND_WRITTEN = "<!-- Written by hand from here on: make_results.py keeps it. -->"


def _kept_by_hand():
    """The hand-written end of the current RESULTS.md, from :data:`HAND_WRITTEN` on."""
    path = HERE / "RESULTS.md"
    text = path.read_text() if path.exists() else ""
    return "" if HAND_WRITTEN not in text else "\n" + text[text.index(HAND_WRITTEN):]


if __name__ == "__main__":
    render()
