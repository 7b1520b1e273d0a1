"""The domain is the pure core: it imports the standard library and leadrouter.domain only."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import leadrouter.domain

DOMAIN = Path(leadrouter.domain.__file__).parent


def imported_modules(path: Path) -> list[tuple[int, str]]:
    found: list[tuple[int, str]] = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:  # relative: inside the package by construction
                continue
            found.append((node.lineno, node.module or ""))
    return found


def allowed(module: str) -> bool:
    top = module.split(".")[0]
    return (
        top in sys.stdlib_module_names
        or top == "__future__"
        or (module == "leadrouter.domain" or module.startswith("leadrouter.domain."))
    )


def test_domain_modules_import_only_the_standard_library_and_the_domain():
    files = sorted(DOMAIN.rglob("*.py"))
    assert files
    offenders = [
        f"{path.relative_to(DOMAIN)}:{line} imports {module}"
        for path in files
        for line, module in imported_modules(path)
        if not allowed(module)
    ]
    assert offenders == []


def test_the_check_catches_a_forbidden_import(tmp_path):
    bad = tmp_path / "bad.py"
    bad.write_text("import sqlalchemy\nfrom leadrouter.store import db\nimport json\n")
    assert [m for _, m in imported_modules(bad) if not allowed(m)] == [
        "sqlalchemy",
        "leadrouter.store",
    ]
