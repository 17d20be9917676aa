#!/usr/bin/env python3
"""Lint FastAPI route modules for patterns that cause bugs or leaks.

Usage: check_routes.py PATH...   (files or directories; directories are searched for *.py)

Reports:
  on-event      @app.on_event(...) is deprecated: move startup/shutdown into a lifespan
  no-response   a route declares neither a return annotation nor response_model, so its output is
                not validated or filtered (an ORM object may leak every column)
  plain-depends a parameter written `x: T = Depends(f)`: prefer `x: Annotated[T, Depends(f)]`
                (reusable alias, keeps defaults for real defaults)
Exit status: 0 clean, 1 findings printed, 2 usage error. Standard library only; read-only.
Routes are recognised by decorators named get/post/put/patch/delete/options/head/api_route on any
object (app, router, ...). Response classes and status-only routes can be excluded with
`response_model=None` or a `-> Response` annotation, which the script accepts as declared.
"""
from __future__ import annotations

import ast
import sys
from collections.abc import Iterator
from pathlib import Path

ROUTE_METHODS = {"get", "post", "put", "patch", "delete", "options", "head", "api_route"}
SKIP_DIRS = {".git", ".venv", "venv", "node_modules", "__pycache__", ".tox", "build", "dist"}


def route_decorator(dec: ast.expr) -> ast.Call | None:
    if isinstance(dec, ast.Call) and isinstance(dec.func, ast.Attribute) and dec.func.attr in ROUTE_METHODS:
        return dec
    return None


def is_depends_call(node: ast.expr | None) -> bool:
    if not isinstance(node, ast.Call):
        return False
    func = node.func
    name = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""
    return name in ("Depends", "Security")


def check(path: Path) -> list[str]:
    try:
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    except (SyntaxError, UnicodeDecodeError) as exc:
        return [f"{path}:1:1: cannot parse: {exc}"]
    out: list[tuple[int, int, str]] = []
    for node in ast.walk(tree):
        if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            continue
        for dec in node.decorator_list:
            if isinstance(dec, ast.Call) and isinstance(dec.func, ast.Attribute) and dec.func.attr == "on_event":
                out.append((dec.lineno, dec.col_offset + 1,
                            f"on-event: {node.name}: @on_event is deprecated; use a lifespan context manager"))
        routes = [c for c in map(route_decorator, node.decorator_list) if c is not None]
        if not routes:
            continue
        declared = node.returns is not None or any(
            kw.arg == "response_model" for call in routes for kw in call.keywords
        )
        if not declared:
            out.append((node.lineno, node.col_offset + 1,
                        f"no-response: {node.name}: add a return annotation (-> Model) or response_model="))
        args = node.args
        positional = args.posonlyargs + args.args
        defaults = [None] * (len(positional) - len(args.defaults)) + list(args.defaults)
        pairs = list(zip(positional, defaults)) + list(zip(args.kwonlyargs, args.kw_defaults))
        for arg, default in pairs:
            if is_depends_call(default):
                out.append((arg.lineno, arg.col_offset + 1,
                            f"plain-depends: {node.name}({arg.arg}): write {arg.arg}: Annotated[T, Depends(...)]"))
    return [f"{path}:{line}:{col}: {msg}" for line, col, msg in sorted(out)]


def python_files(paths: list[str]) -> Iterator[Path]:
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            for child in sorted(path.rglob("*.py")):
                if not SKIP_DIRS.intersection(child.parts):
                    yield child
        elif path.suffix == ".py":
            yield path


def main(argv: list[str]) -> int:
    if not argv or argv[0] in ("-h", "--help"):
        print(__doc__.strip(), file=sys.stderr)
        return 2
    findings = [line for path in python_files(argv) for line in check(path)]
    for line in findings:
        print(line)
    if findings:
        print(f"{len(findings)} finding(s)", file=sys.stderr)
    return 1 if findings else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
