"""Role README variable tables, generated from argument_specs by aar-doc.

``python -m tools.role_docs`` rewrites the table between aar-doc's markers
(``<!-- BEGIN_ANSIBLE_DOCS -->`` ... ``<!-- END_ANSIBLE_DOCS -->``) in each
``roles/<role>/README.md``, with the template ``tools/role_docs.md.j2``;
``--check`` exits 1 when a table is stale. aar-doc has no check mode of its
own, so the check renders into a copy of the README and compares.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
TEMPLATE = Path(__file__).resolve().parent / "role_docs.md.j2"
AAR_DOC = Path(sys.executable).parent / "aar-doc"
BEGIN = "<!-- BEGIN_ANSIBLE_DOCS -->"
END = "<!-- END_ANSIBLE_DOCS -->"


def load_options(role: Path, entry: str = "main") -> Mapping[str, Mapping[str, Any]]:
    """The options of one entry point of a role's argument_specs."""
    specs = yaml.safe_load((role / "meta" / "argument_specs.yml").read_text())
    options: Mapping[str, Mapping[str, Any]] = specs["argument_specs"][entry].get("options", {})
    return options


def roles_with_specs(root: Path) -> list[Path]:
    return sorted(p.parent.parent for p in (root / "roles").glob("*/meta/argument_specs.yml"))


def generate(role: Path, output: Path) -> None:
    """Let aar-doc rewrite the table between the markers of output (a role README)."""
    text = output.read_text()
    if BEGIN not in text or END not in text:
        raise ValueError(f"{output} lacks the markers {BEGIN} and {END}")
    argv = [str(AAR_DOC), "--output-template", str(TEMPLATE), "--output-file", str(output)]
    done = subprocess.run([*argv, str(role), "markdown"], capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"aar-doc failed for {role.name}: {done.stdout}{done.stderr}")


def stale(role: Path) -> bool:
    """Whether the role's README table differs from what aar-doc generates now."""
    readme = role / "README.md"
    with tempfile.TemporaryDirectory() as folder:
        copy = Path(folder) / "README.md"
        shutil.copyfile(readme, copy)
        generate(role, copy)
        return copy.read_text() != readme.read_text()


def main(argv: Sequence[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="fail when a table is stale")
    args = parser.parse_args(argv)
    problems = []
    for role in roles_with_specs(ROOT):
        readme = role / "README.md"
        if not readme.exists():
            problems.append(f"{readme.relative_to(ROOT)} is missing")
        elif args.check and stale(role):
            problems.append(str(readme.relative_to(ROOT)))
        elif not args.check:
            generate(role, readme)
    if problems:
        print("stale variable tables (run python -m tools.role_docs):", *problems, sep="\n  ")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
