#!/usr/bin/env python3
"""Flag common asyncio mistakes inside `async def` bodies.

Usage: check_async.py PATH...   (files or directories; directories are searched for *.py)

Reports:
  blocking   a known blocking call (time.sleep, requests.*, subprocess.run, urlopen, ...)
  orphan     asyncio.create_task/ensure_future whose result is thrown away
  swallow    an except clause that catches CancelledError (directly, via BaseException or bare
             `except:`) and does not re-raise
Exit status: 0 clean, 1 findings printed, 2 usage error. Standard library only; read-only.
Static and heuristic: it cannot see through aliases or wrappers, so treat a clean run as a floor.
"""
from __future__ import annotations

import ast
import sys
from collections.abc import Iterator
from pathlib import Path

BLOCKING = {
    "time.sleep": "await asyncio.sleep(...)",
    "requests.get": "an async client (httpx.AsyncClient) or asyncio.to_thread",
    "requests.post": "an async client (httpx.AsyncClient) or asyncio.to_thread",
    "requests.put": "an async client (httpx.AsyncClient) or asyncio.to_thread",
    "requests.patch": "an async client (httpx.AsyncClient) or asyncio.to_thread",
    "requests.delete": "an async client (httpx.AsyncClient) or asyncio.to_thread",
    "requests.head": "an async client (httpx.AsyncClient) or asyncio.to_thread",
    "requests.request": "an async client (httpx.AsyncClient) or asyncio.to_thread",
    "urllib.request.urlopen": "an async client or asyncio.to_thread",
    "urlopen": "an async client or asyncio.to_thread",
    "subprocess.run": "await asyncio.create_subprocess_exec(...)",
    "subprocess.call": "await asyncio.create_subprocess_exec(...)",
    "subprocess.check_call": "await asyncio.create_subprocess_exec(...)",
    "subprocess.check_output": "await asyncio.create_subprocess_exec(...)",
    "os.system": "await asyncio.create_subprocess_shell(...)",
    "socket.create_connection": "await asyncio.open_connection(...)",
    "input": "asyncio.to_thread(input, ...)",
}
# A TaskGroup's create_task is fine to discard (the group owns the task), so only spellings that
# name the loop or asyncio itself count.
SPAWN = {
    "asyncio.create_task", "asyncio.ensure_future", "create_task", "ensure_future",
    "loop.create_task", "self.loop.create_task", "self._loop.create_task",
}
SKIP_DIRS = {".git", ".venv", "venv", "node_modules", "__pycache__", ".tox", "build", "dist"}


def dotted(node: ast.expr) -> str:
    parts: list[str] = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        parts.append(node.id)
        return ".".join(reversed(parts))
    return ""


def catches_cancel(handler: ast.ExceptHandler) -> bool:
    if handler.type is None:
        return True
    kinds = handler.type.elts if isinstance(handler.type, ast.Tuple) else [handler.type]
    names = {dotted(k).rsplit(".", 1)[-1] for k in kinds}
    return bool(names & {"CancelledError", "BaseException"})


def reraises(handler: ast.ExceptHandler) -> bool:
    return any(isinstance(n, ast.Raise) for stmt in handler.body for n in ast.walk(stmt))


class AsyncBodyVisitor(ast.NodeVisitor):
    """Visits one async function body, not descending into nested sync defs, lambdas or classes."""

    def __init__(self, path: Path, out: list[tuple[int, int, str]]) -> None:
        self.path, self.out = path, out

    def add(self, node: ast.AST, kind: str, msg: str) -> None:
        self.out.append((node.lineno, node.col_offset + 1, f"{kind}: {msg}"))

    def visit_FunctionDef(self, node: ast.FunctionDef) -> None:
        return  # sync code nested in async code may legitimately block (it may run in a thread)

    visit_Lambda = visit_FunctionDef  # type: ignore[assignment]
    visit_ClassDef = visit_FunctionDef  # type: ignore[assignment]

    def visit_AsyncFunctionDef(self, node: ast.AsyncFunctionDef) -> None:
        return  # checked on its own by check()

    def visit_Call(self, node: ast.Call) -> None:
        name = dotted(node.func)
        if name in BLOCKING:
            self.add(node, "blocking", f"{name}() blocks the event loop; use {BLOCKING[name]}")
        self.generic_visit(node)

    def visit_Expr(self, node: ast.Expr) -> None:
        if isinstance(node.value, ast.Call):
            name = dotted(node.value.func)
            if name in SPAWN:
                self.add(node, "orphan", f"result of {name}() is discarded; keep a reference or use a TaskGroup")
        self.generic_visit(node)

    def visit_ExceptHandler(self, node: ast.ExceptHandler) -> None:
        if catches_cancel(node) and not reraises(node):
            self.add(node, "swallow", "this handler catches CancelledError and does not re-raise it")
        self.generic_visit(node)


def check(path: Path) -> list[str]:
    try:
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    except (SyntaxError, UnicodeDecodeError) as exc:
        return [f"{path}:1:1: cannot parse: {exc}"]
    out: list[tuple[int, int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.AsyncFunctionDef):
            visitor = AsyncBodyVisitor(path, out)
            for stmt in node.body:
                visitor.visit(stmt)
    return [f"{path}:{line}:{col}: {msg}" for line, col, msg in sorted(set(out))]


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
