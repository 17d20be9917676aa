#!/usr/bin/env python3
"""Find logging calls that lose information or cost too much.

Usage: check_logging.py PATH...   (files or directories; directories are searched for *.py)

Reports:
  eager-format   the message is an f-string, .format(), % or + expression: pass arguments instead
                 (log.info("user %s", uid)) so the template is constant and formatting is lazy
  no-traceback   log.error(...) inside an except block without exc_info: use log.exception(...)
  root-logger    logging.info(...) etc. logs on the root logger: use logging.getLogger(__name__)
  swallowed      a bare/Exception/BaseException handler whose body is only `pass` (or `...`) hides
                 every failure: log it, or catch the specific exception you expect
Exit status: 0 clean, 1 findings printed, 2 usage error. Standard library only; read-only.
A call counts as a logging call when its object's name looks like a logger (log, logger, _log,
LOGGER, self.log, self.logger, ...).
"""
from __future__ import annotations

import ast
import sys
from collections.abc import Iterator
from pathlib import Path

LEVELS = {"debug", "info", "warning", "warn", "error", "exception", "critical", "fatal", "log"}
SKIP_DIRS = {".git", ".venv", "venv", "node_modules", "__pycache__", ".tox", "build", "dist"}


def receiver(call: ast.Call) -> str:
    func = call.func
    if not isinstance(func, ast.Attribute):
        return ""
    value = func.value
    if isinstance(value, ast.Name):
        return value.id
    if isinstance(value, ast.Attribute):
        return value.attr
    return ""


def is_logger_name(name: str) -> bool:
    low = name.lower().lstrip("_")
    return low in ("log", "logger", "logging") or low.endswith(("_log", "_logger", "logger"))


def message_arg(call: ast.Call) -> ast.expr | None:
    assert isinstance(call.func, ast.Attribute)
    index = 1 if call.func.attr == "log" else 0
    if len(call.args) > index:
        return call.args[index]
    for kw in call.keywords:
        if kw.arg == "msg":
            return kw.value
    return None


def eager(expr: ast.expr) -> bool:
    if isinstance(expr, ast.JoinedStr):
        return any(isinstance(v, ast.FormattedValue) for v in expr.values)
    if isinstance(expr, ast.BinOp) and isinstance(expr.op, (ast.Mod, ast.Add)):
        return True
    return (
        isinstance(expr, ast.Call)
        and isinstance(expr.func, ast.Attribute)
        and expr.func.attr == "format"
    )


def broad(handler: ast.ExceptHandler) -> bool:
    """True for bare except, Exception and BaseException: the catches that hide unknown failures."""
    if handler.type is None:
        return True
    kinds = handler.type.elts if isinstance(handler.type, ast.Tuple) else [handler.type]
    return any(isinstance(k, ast.Name) and k.id in ("Exception", "BaseException") for k in kinds)


class Visitor(ast.NodeVisitor):
    def __init__(self) -> None:
        self.out: list[tuple[int, int, str]] = []
        self.in_except = 0

    def add(self, node: ast.AST, msg: str) -> None:
        self.out.append((node.lineno, node.col_offset + 1, msg))

    def visit_ExceptHandler(self, node: ast.ExceptHandler) -> None:
        if broad(node) and all(
            isinstance(s, ast.Pass) or (isinstance(s, ast.Expr) and isinstance(s.value, ast.Constant))
            for s in node.body
        ):
            self.add(node, "swallowed: this broad except block discards every exception; log it or catch a specific one")
        self.in_except += 1
        self.generic_visit(node)
        self.in_except -= 1

    def visit_FunctionDef(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        saved, self.in_except = self.in_except, 0   # a function defined in an except runs later
        self.generic_visit(node)
        self.in_except = saved

    visit_AsyncFunctionDef = visit_FunctionDef  # type: ignore[assignment]

    def visit_Call(self, node: ast.Call) -> None:
        name = receiver(node)
        if isinstance(node.func, ast.Attribute) and node.func.attr in LEVELS and is_logger_name(name):
            level = node.func.attr
            if name == "logging" and level != "log":
                self.add(node, f"root-logger: logging.{level}() logs on the root logger; "
                               "use log = logging.getLogger(__name__)")
            msg = message_arg(node)
            if msg is not None and eager(msg):
                self.add(node, f"eager-format: pass values as arguments: {name}.{level}(\"... %s\", value)")
            if (
                self.in_except
                and level in ("error", "critical")
                and not any(kw.arg == "exc_info" for kw in node.keywords)
            ):
                self.add(node, f"no-traceback: {name}.{level}() in an except block drops the traceback; "
                               f"use {name}.exception() or exc_info=True")
        self.generic_visit(node)


def check(path: Path) -> list[str]:
    try:
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    except (SyntaxError, UnicodeDecodeError) as exc:
        return [f"{path}:1:1: cannot parse: {exc}"]
    visitor = Visitor()
    visitor.visit(tree)
    return [f"{path}:{line}:{col}: {msg}" for line, col, msg in sorted(visitor.out)]


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
