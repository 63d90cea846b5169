"""How fast the command line answers: wall time of ``skimgclf --help`` and ``--version``
against ``python -c pass`` (the interpreter's own start), measured in the same run.

    .venv/bin/python benchmarks/bench_cli.py [--repeat 15]

Prints the median of each and its ratio to the bare interpreter. For reference, the import
that the lazy CLI avoids, ``import sklearn, torch``, is timed once as well.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path


def _median_wall(argv, repeat):
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=15, help="runs of each command")
    args = parser.parse_args()
    python = [sys.executable]
    cli = [*python, "-m", "skimgclf.cli"]
    base = _median_wall([*python, "-c", "pass"], args.repeat)
    print(f"{'command':<36} {'median s':>9} {'x python -c pass':>17}")
    print(f"{'python -c pass':<36} {base:>9.3f} {1.0:>17.1f}")
    script = Path(sys.executable).with_name("skimgclf")  # the installed console script
    script = [str(script)] if script.is_file() else ([shutil.which("skimgclf")] if
                                                      shutil.which("skimgclf") else None)
    runs = [("skimgclf --help (console script)", [*script, "--help"])] if script else []
    for label, argv in [
        *runs,
        ("python -m skimgclf.cli --help", [*cli, "--help"]),
        ("python -m skimgclf.cli --version", [*cli, "--version"]),
        ("python -m skimgclf.cli train --help", [*cli, "train", "--help"]),
        ("python -c 'import sklearn, torch'", [*python, "-c", "import sklearn, torch"]),
    ]:
        repeat = 1 if "import" in label else args.repeat
        t = _median_wall(argv, repeat)
        print(f"{label:<36} {t:>9.3f} {t / base:>17.1f}")


if __name__ == "__main__":
    main()
