"""Verify both GPU backends on a machine with an NVIDIA GPU, in one go, and write one summary with the machine.

Run by experiments/gpu/check.sh, which builds the two environments from the carried wheels first (no network is
needed). Standard library only: each step calls simnet in the environment it needs, with a time limit, and keeps
what it printed as JSON. Steps run one after another (no two on the GPU at once), most important first, within
an overall budget; a step the budget does not reach is listed as not run, never dropped.

    python3 experiments/gpu/check.py --cuda-python ENV/bin/python --genn-python ENV/bin/python --out FILE
        [--budget-s 480] [--cpu]

``--cpu`` checks what a machine without a GPU can: the same steps on genn-cpu (small sizes) and the cuda
projects compiled only (for compute capability 9.0), so the script and both environments are tested before a
GPU is spent on them.
"""
import argparse
import datetime
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

#: (label, environment, backend, arguments of `simnet run`), most important first. GPU runs use the sizes of
#: brian2genn_benchmarks (COBAHH benchmark mode, fp32) and the main job's network (classic with STDP at 4,000).
GPU_STEPS = [
    ("genn cobahh benchmark 64k fp32", "genn", "genn",
     ["cobahh", "--mode", "benchmark", "--neurons", "64000", "--precision", "single"]),
    ("cuda cobahh benchmark 64k fp32", "cuda", "cuda",
     ["cobahh", "--mode", "benchmark", "--neurons", "64000", "--precision", "single"]),
    ("genn cobahh classic stdp 4k", "genn", "genn", ["cobahh", "--neurons", "4000", "--plasticity", "stdp"]),
    ("cuda cobahh classic stdp 4k", "cuda", "cuda", ["cobahh", "--neurons", "4000", "--plasticity", "stdp"]),
    ("genn cobahh benchmark 256k fp32", "genn", "genn",
     ["cobahh", "--mode", "benchmark", "--neurons", "256000", "--precision", "single"]),
    ("cuda microcircuit 0.1", "cuda", "cuda", ["microcircuit", "--scale", "0.1"]),
    ("cuda cobahh benchmark 256k fp32", "cuda", "cuda",
     ["cobahh", "--mode", "benchmark", "--neurons", "256000", "--precision", "single"]),
]
#: The same steps where there is no GPU: genn-cpu at small sizes, cuda compiled only.
CPU_STEPS = [
    ("genn-cpu cobahh benchmark 2k fp32", "genn", "genn-cpu",
     ["cobahh", "--mode", "benchmark", "--neurons", "2000", "--precision", "single"]),
    ("genn-cpu cobahh classic stdp 1k", "genn", "genn-cpu", ["cobahh", "--neurons", "1000", "--plasticity", "stdp"]),
    ("cuda cobahh classic stdp 4k, compile only (sm_90)", "cuda", "cuda",
     ["cobahh", "--neurons", "4000", "--plasticity", "stdp", "--compile-only", "--compute-capability", "9.0"]),
]


def simnet(python: str, *args: str, timeout_s: float) -> dict:
    """``python -m simnet ARGS``: exit status, seconds, the JSON it printed (or its last stderr line)."""
    started = time.monotonic()
    try:
        done = subprocess.run([python, "-m", "simnet", *args], capture_output=True, text=True, timeout=timeout_s,
                              cwd=ROOT)
    except subprocess.TimeoutExpired:
        return {"status": "timeout", "seconds": time.monotonic() - started, "limit_s": timeout_s}
    result = {"status": "ok" if done.returncode == 0 else f"exit {done.returncode}",
              "seconds": round(time.monotonic() - started, 3)}
    try:
        result["output"] = json.loads(done.stdout)
    except json.JSONDecodeError:
        lines = [line for line in done.stderr.splitlines() if line.strip()]
        result["error"] = lines[-1] if lines else done.stdout[-500:]
    return result


def write(summary: dict, path: Path) -> None:
    """The summary as JSON, written to a temporary file beside ``path`` and renamed into place."""
    temporary = path.with_name(f".{path.name}.tmp")
    temporary.write_text(json.dumps(summary, indent=1) + "\n")
    os.replace(temporary, path)


def machine() -> dict:
    """The GPU (nvidia-smi), driver, CUDA, host CPU and Python of this machine."""
    def output(*command):
        try:
            return subprocess.run(command, capture_output=True, text=True, timeout=30).stdout.strip()
        except (OSError, subprocess.SubprocessError):
            return None

    cpu = next((line.split(":", 1)[1].strip() for line in (output("cat", "/proc/cpuinfo") or "").splitlines()
                if line.startswith("model name")), platform.processor())
    return {
        "gpus": output("nvidia-smi", "--query-gpu=name,memory.total,driver_version", "--format=csv,noheader"),
        "nvidia_smi": (output("nvidia-smi") or "").splitlines()[:4],
        "nvcc": (output(os.path.join(os.environ.get("CUDA_PATH", ""), "bin", "nvcc"), "--version")
                 or output("nvcc", "--version") or "").splitlines()[-2:],
        "cpu": cpu, "logical_cpus": os.cpu_count(), "python": platform.python_version(),
        "hostname": platform.node(), "date_utc": datetime.datetime.now(datetime.timezone.utc).isoformat(
            timespec="seconds"),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cuda-python", required=True, help="python of the brian2cuda environment")
    parser.add_argument("--genn-python", required=True, help="python of the Brian2GeNN environment")
    parser.add_argument("--out", required=True, help="summary file to write (JSON)")
    parser.add_argument("--budget-s", type=float, default=480.0, help="stop starting steps after this long")
    parser.add_argument("--cpu", action="store_true", help="no GPU here: genn-cpu and cuda compile-only steps")
    args = parser.parse_args()
    pythons = {"cuda": args.cuda_python, "genn": args.genn_python}
    started = time.monotonic()
    records = Path(tempfile.mkdtemp(prefix="simnet-gpu-check-"))
    summary = {"format": "simnet-gpu-check", "mode": "cpu" if args.cpu else "gpu", "machine": machine(),
               "budget_s": args.budget_s, "backends": {}, "steps": []}
    for env, python in pythons.items():
        summary["backends"][env] = simnet(python, "backends", "--json", timeout_s=120)
    for label, env, backend, run_args in (CPU_STEPS if args.cpu else GPU_STEPS):
        left = args.budget_s - (time.monotonic() - started)
        step = {"label": label, "environment": env, "backend": backend, "arguments": run_args}
        if left < 30:
            summary["steps"].append({**step, "status": "not run: the budget was spent"})
            continue
        record = records / f"{len(summary['steps'])}.h5"
        compile_only = "--compile-only" in run_args
        out = [] if compile_only else ["--out", str(record)]
        step["run"] = simnet(pythons[env], "run", *run_args, "--backend", backend, "--duration", "1s",
                             "--no-progress", "--json", *out, timeout_s=left)
        if step["run"]["status"] == "ok" and not compile_only:
            step["cost"] = simnet(pythons[env], "cost", str(record), "--json", timeout_s=60)
            step["roofline"] = simnet(pythons[env], "roofline", str(record), "--json", timeout_s=120)
        summary["steps"].append(step)
        write(summary, Path(args.out))  # an interrupted check keeps what it measured
    summary["total_s"] = round(time.monotonic() - started, 1)
    write(summary, Path(args.out))
    shutil.rmtree(records, ignore_errors=True)
    failed = [s["label"] for s in summary["steps"] if s.get("run", {}).get("status") not in (None, "ok")]
    print(f"gpu check: {len(summary['steps'])} steps, {len(failed)} failed ({', '.join(failed) or 'none'}); "
          f"summary in {args.out}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
