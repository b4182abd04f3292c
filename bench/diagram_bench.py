"""How long drawing the systemledning process as SVG takes through the CLI, against bare ``dot``.

Runs ``wf definitions diagram systemledning -o X.svg`` (a whole process: Python
start-up, loading the definitions, building the model, writing DOT, running
dot) and ``dot -Tsvg`` on the same DOT file, interleaved, N times each, and
prints both medians and their ratio.  Usage: ``.venv/bin/python bench/diagram_bench.py [N]``.
"""

from __future__ import annotations

import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def timed(cmd: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(cmd, check=True, capture_output=True)
    return time.perf_counter() - start


def main(runs: int = 10) -> None:
    wf = Path(sys.executable).parent / "wf"
    dot = shutil.which("dot")
    if dot is None or not wf.exists():
        sys.exit("needs Graphviz's dot on PATH and wf next to this Python")
    with tempfile.TemporaryDirectory() as tmp:
        dot_file, cli_svg, dot_svg = (Path(tmp) / n for n in ("s.dot", "cli.svg", "dot.svg"))
        subprocess.run([str(wf), "definitions", "diagram", "systemledning", "-o", str(dot_file)], check=True,
                       capture_output=True)
        cli_times, dot_times = [], []
        for _ in range(runs):
            cli_times.append(timed([str(wf), "definitions", "diagram", "systemledning", "-o", str(cli_svg)]))
            dot_times.append(timed([dot, "-Tsvg", str(dot_file), "-o", str(dot_svg)]))
    cli_median, dot_median = statistics.median(cli_times), statistics.median(dot_times)
    print(f"runs: {runs}")
    print(f"wf definitions diagram systemledning -o x.svg  median {cli_median * 1000:.1f} ms")
    print(f"dot -Tsvg systemledning.dot                     median {dot_median * 1000:.1f} ms")
    print(f"ratio (wf / dot): {cli_median / dot_median:.2f}")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 10)
