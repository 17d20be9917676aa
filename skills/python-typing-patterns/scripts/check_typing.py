#!/usr/bin/env python3
"""Report typing debt in Python files: legacy typing aliases and unannotated public functions.

Usage: check_typing.py PATH...   (files or directories; directories are searched for *.py)
Exit status: 0 when nothing is found, 1 when findings are printed, 2 on usage errors.
Standard library only; reads files, never changes them.
"""
from __future__ import annotations

import ast
import sys
from collections.abc import Iterator
from pathlib import Path

LEGACY = {
    "List": "list[...]",
    "Dict": "dict[...]",
    "Set": "set[...]",
    "FrozenSet": "frozenset[...]",
    "Tuple": "tuple[...]",
    "Type": "type[...]",
    "Optional": "X | None",
    "Union": "X | Y",
    "DefaultDict": "collections.defaultdict[...]",
    "Deque": "collections.deque[...]",
}
SKIP_DIRS = {".git", ".venv", "venv", "node_modules", "__pycache__", ".tox", "build", "dist"}


def python_files(paths: list[str]) -> Iterator[Path]:
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            for child in sorted(path.rglob("*.py")):
                if not SKIP_DIRS.intersection(child.parts):
                    yield child
        elif path.suffix in (".py", ".pyi"):
            yield path


def is_public(name: str) -> bool:
    return not name.startswith("_") or (name.startswith("__") and name.endswith("__"))


def check(path: Path) -> list[str]:
    try:
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    except (SyntaxError, UnicodeDecodeError) as exc:
        return [f"{path}:1:1: cannot parse: {exc}"]
    out: list[tuple[int, int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module == "typing":
            for alias in node.names:
                if alias.name in LEGACY:
                    out.append((node.lineno, node.col_offset + 1,
                                f"typing.{alias.name} is legacy; write {LEGACY[alias.name]}"))
        elif isinstance(node, ast.Attribute) and node.attr in LEGACY:
            if isinstance(node.value, ast.Name) and node.value.id in ("typing", "t"):
                out.append((node.lineno, node.col_offset + 1,
                            f"typing.{node.attr} is legacy; write {LEGACY[node.attr]}"))
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and is_public(node.name):
            args = node.args
            params = args.posonlyargs + args.args + args.kwonlyargs
            params += [a for a in (args.vararg, args.kwarg) if a is not None]
            missing = [
                a.arg for i, a in enumerate(params)
                if a.annotation is None and not (i == 0 and a.arg in ("self", "cls"))
            ]
            where = (node.lineno, node.col_offset + 1)
            if missing:
                out.append((*where, f"{node.name}(): parameters without annotation: {', '.join(missing)}"))
            if node.returns is None and node.name != "__init__":
                out.append((*where, f"{node.name}(): missing return annotation"))
    return [f"{path}:{line}:{col}: {msg}" for line, col, msg in sorted(out)]


def main(argv: list[str]) -> int:
    if not argv or argv[0] in ("-h", "--help"):
        print(__doc__.strip(), file=sys.stderr)
        return 2
    findings: list[str] = []
    for path in python_files(argv):
        findings.extend(check(path))
    for line in findings:
        print(line)
    if findings:
        print(f"{len(findings)} finding(s)", file=sys.stderr)
    return 1 if findings else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
