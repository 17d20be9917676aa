#!/usr/bin/env python3
"""Flag SQL built by string formatting, the root of SQL injection.

Usage: check_sql.py PATH...   (files or directories; directories are searched for *.py)

A finding is a call to execute/executemany/exec_driver_sql/executescript/fetch/fetchrow/fetchval/
text/... whose SQL argument is an f-string with substitutions, a % or + expression, or a .format()
call. Pass values as bound parameters instead (":name" with SQLAlchemy text(), "$1" with asyncpg,
"%s" with psycopg as a separate argument). Identifiers that must vary go through an allow-list; mark
a reviewed line with a trailing `# sql-ok` comment to silence it.
Exit status: 0 clean, 1 findings printed, 2 usage error. Standard library only; read-only.
"""
from __future__ import annotations

import ast
import sys
from collections.abc import Iterator
from pathlib import Path

SQL_CALLS = {
    "execute", "executemany", "exec_driver_sql", "executescript", "text",
    "fetch", "fetchrow", "fetchval", "raw", "cursor_execute",
}
SKIP_DIRS = {".git", ".venv", "venv", "node_modules", "__pycache__", ".tox", "build", "dist"}


def call_name(call: ast.Call) -> str:
    if isinstance(call.func, ast.Attribute):
        return call.func.attr
    if isinstance(call.func, ast.Name):
        return call.func.id
    return ""


def built(expr: ast.expr) -> str | None:
    """Returns how the string was built when it was built from runtime values, else None."""
    if isinstance(expr, ast.JoinedStr) and any(isinstance(v, ast.FormattedValue) for v in expr.values):
        return "an f-string"
    if isinstance(expr, ast.BinOp) and isinstance(expr.op, ast.Mod):
        return "% formatting"
    if isinstance(expr, ast.BinOp) and isinstance(expr.op, ast.Add):
        # "SELECT ..." + "FROM ..." of two literals is harmless; anything else is not
        if not (isinstance(expr.left, ast.Constant) and isinstance(expr.right, ast.Constant)):
            return "string concatenation"
    if isinstance(expr, ast.Call) and isinstance(expr.func, ast.Attribute) and expr.func.attr == "format":
        return ".format()"
    return None


def check(path: Path) -> list[str]:
    try:
        source = path.read_text(encoding="utf-8")
        tree = ast.parse(source, filename=str(path))
    except (SyntaxError, UnicodeDecodeError) as exc:
        return [f"{path}:1:1: cannot parse: {exc}"]
    lines = source.splitlines()
    out: list[tuple[int, int, str]] = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call) or call_name(node) not in SQL_CALLS or not node.args:
            continue
        how = built(node.args[0])
        if how is None:
            continue
        if 0 < node.lineno <= len(lines) and "# sql-ok" in lines[node.lineno - 1]:
            continue
        out.append((node.lineno, node.col_offset + 1,
                    f"SQL passed to {call_name(node)}() is built with {how}; use bound parameters"))
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
