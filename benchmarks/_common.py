"""Shared benchmark plumbing: timing medians, machine description, JSON output."""

import json
import os
import platform
import shlex
import statistics
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

RESULTS_DIR = Path(__file__).resolve().parent / "results"


def median_time(function, repeats=5, warmup=1):
    """Median wall time of ``function()`` over ``repeats`` runs after ``warmup``."""
    for _ in range(warmup):
        function()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def interleaved_medians(functions, repeats=5, warmup=1):
    """Median wall time of each of ``functions`` (a dict), timed in turn in every
    round, so that a shared machine's load shifts all of them alike."""
    for _ in range(warmup):
        for function in functions.values():
            function()
    times = {name: [] for name in functions}
    for _ in range(repeats):
        for name, function in functions.items():
            start = time.perf_counter()
            function()
            times[name].append(time.perf_counter() - start)
    return {name: statistics.median(values) for name, values in times.items()}


def machine():
    """What the numbers were measured on."""
    info = {
        "date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "processor": platform.processor() or platform.machine(),
        "cpus": os.cpu_count(),
        "OPENBLAS_CORETYPE": os.environ.get("OPENBLAS_CORETYPE"),
        "OPENBLAS_NUM_THREADS": os.environ.get("OPENBLAS_NUM_THREADS"),
    }
    try:
        from threadpoolctl import threadpool_info

        info["blas"] = [
            {k: lib.get(k) for k in ("internal_api", "version", "architecture", "num_threads")}
            for lib in threadpool_info()
        ]
    except ImportError:  # pragma: no cover
        pass
    try:
        with open("/proc/cpuinfo") as f:
            lines = f.readlines()
        names = [line.split(":", 1)[1].strip() for line in lines if line.startswith("model name")]
        info["cpu_model"] = names[0] if names else None
        flags = next((set(line.split(":", 1)[1].split()) for line in lines
                      if line.startswith("flags")), set())
        info["isa"] = next((isa for isa in ("avx512f", "avx2", "avx", "sse4_2") if isa in flags),
                           None)
    except OSError:  # pragma: no cover
        pass
    kernels = sorted({lib.get("architecture") for lib in info.get("blas", [])
                      if lib.get("architecture")})
    info["blas_kernel"] = "/".join(kernels) or None
    return info


def machine_kind(info):
    """CPU model, instruction set and BLAS kernel: what makes results comparable."""
    return (f"{info.get('cpu_model', '?')}, {info.get('isa') or '?'}, "
            f"BLAS kernel {info.get('blas_kernel') or info.get('OPENBLAS_CORETYPE') or '?'}")


def print_table(rows, columns):
    """A plain fixed-width table of dicts."""
    widths = [max(len(c), *(len(_fmt(r[c])) for r in rows)) for c in columns]
    print("  ".join(c.rjust(w) for c, w in zip(columns, widths)))
    for row in rows:
        print("  ".join(_fmt(row[c]).rjust(w) for c, w in zip(columns, widths)))


def _fmt(value):
    if isinstance(value, float):
        return f"{value:.3g}" if abs(value) < 1000 else f"{value:,.0f}"
    return str(value)


def command_line():
    """How the running script was started, to be quoted beside its results."""
    script = Path(sys.argv[0])
    if script.suffix == ".py":
        script = Path("benchmarks") / script.name
    env = " ".join(f"{k}={os.environ[k]}" for k in ("OPENBLAS_NUM_THREADS",) if k in os.environ)
    return " ".join(filter(None, [env, "python", shlex.join([str(script), *sys.argv[1:]])]))


def save(name, payload):
    """Write results/<name>.json with the machine record and the command line."""
    RESULTS_DIR.mkdir(exist_ok=True)
    path = RESULTS_DIR / f"{name}.json"
    payload = {"machine": machine(), "command": command_line(), **payload}
    path.write_text(json.dumps(payload, indent=2) + "\n")
    print(f"wrote {path}")
    return path
