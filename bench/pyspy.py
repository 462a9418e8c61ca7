"""Sampling profiles of running processes with py-spy (`python -m bench --profile`).

py-spy is a profiling tool, not a dependency of the project: `.venv/bin/pip install py-spy`. It
reads a process's stacks from outside (ptrace), so the gunicorn workers and workers run unchanged.
Profiles are written in py-spy's "raw" (collapsed stacks) format, one line per distinct stack with
its sample count, readable by speedscope, flamegraph.pl or `summarize` below.
"""
from __future__ import annotations

import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path

from bench.processes import REPO

OURS = ("services/", "shared/", "bench/")


def available() -> str | None:
    path = Path(sys.executable).parent / "py-spy"
    return str(path) if path.exists() else shutil.which("py-spy")


def record(pids: list[int], seconds: float, out_dir: Path, name: str, gil: bool = True) -> list[tuple]:
    """Start py-spy on each pid for `seconds`; returns handles for `finish`. With `gil`, only the
    thread holding the GIL is sampled: where the process spends CPU in Python, not where it waits."""
    exe = available()
    if exe is None:
        raise RuntimeError("py-spy is not installed: .venv/bin/pip install py-spy")
    out_dir.mkdir(parents=True, exist_ok=True)
    handles = []
    for pid in pids:
        path = out_dir / f"{name}.{pid}.txt"
        argv = [exe, "record", "--pid", str(pid), "--duration", str(max(1, round(seconds))), "--rate", "200",
                "--nonblocking", "--format", "raw", "--output", str(path)]
        if gil:
            argv.append("--gil")
        handles.append((subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL), path))
    return handles


def finish(handles: list[tuple], timeout: float = 60) -> list[Path]:
    paths = []
    for proc, path in handles:
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
        if path.exists():
            paths.append(path)
    return paths


def summarize(paths: list[Path], top: int = 25) -> dict:
    """Samples per function: inclusive (on the stack) and self (at the top), over all the files."""
    inclusive: Counter = Counter()
    own: Counter = Counter()
    total = 0
    for path in paths:
        for line in path.read_text(errors="replace").splitlines():
            stack, _, count = line.rpartition(" ")
            if not stack or not count.isdigit():
                continue
            n = int(count)
            total += n
            frames = [_short(f) for f in stack.split(";")]
            for frame in set(frames):
                inclusive[frame] += n
            own[frames[-1]] += n
    pct = (lambda n: round(100 * n / total, 1)) if total else (lambda n: 0)
    ours = [(f, pct(n)) for f, n in inclusive.most_common() if any(o in f for o in OURS)][:top]
    return {"samples": total, "self_top": [(f, pct(n)) for f, n in own.most_common(top)],
            "inclusive_ours": ours}


def _short(frame: str) -> str:
    # py-spy raw frames look like "function (path/to/file.py:123)"; keep the repo-relative path.
    for marker in ("/site-packages/", f"{REPO}/", "/lib/python3"):
        if marker in frame:
            head, _, tail = frame.partition(marker)
            name = head.rsplit("(", 1)[0].strip()
            return f"{name} ({tail.split(':')[0]})"
    return frame.split(":")[0] if ":" in frame else frame
