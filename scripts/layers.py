#!/usr/bin/env python3
"""Print which app imports which (Markdown), and what breaks the layers.

    .venv/bin/python scripts/layers.py              # the working tree
    .venv/bin/python scripts/layers.py --rev REV    # the tree at a commit (read with git archive)

The layers and the checks are ``kuyakusho.core.layers`` (the test ``core/tests/test_layers.py`` runs them).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from kuyakusho.core import layers  # noqa: E402  (the project's root is put on the path first)


def _extract(rev: str, into: Path) -> None:
    command = ["git", "-C", str(ROOT), "archive", "--format=tar", rev, "kuyakusho", "config"]
    archive = subprocess.run(command, check=True, capture_output=True).stdout  # noqa: S603  (git, a revision given by the user)
    with tempfile.TemporaryFile() as f:
        f.write(archive)
        f.seek(0)
        with tarfile.open(fileobj=f) as tar:
            tar.extractall(into, filter="data")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rev", help="a commit to read instead of the working tree")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = ROOT
        if args.rev:
            root = Path(tmp)
            _extract(args.rev, root)
        graph = layers.build(root)
        print(layers.table(graph))
        problems = layers.upward_imports(graph)
        problems += ["cycle between apps: " + " ↔ ".join(c) for c in layers.app_cycles(graph)]
        problems += ["cycle: " + " ↔ ".join(c) for c in layers.module_cycles(graph)]
        problems += layers.selectors_importing_services(graph)
        problems += layers.uncommented_function_imports(graph)
        if problems:
            print(f"\n{len(problems)} finding(s):")
            for p in problems:
                print(f"- {p}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
