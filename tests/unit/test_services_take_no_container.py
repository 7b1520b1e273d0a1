"""Services are given what they need by their entrypoint: no service imports the composition
root, takes a container or reads the clock (docs/architecture.md)."""

from __future__ import annotations

import ast
from pathlib import Path

import leadrouter.services
from tests.unit.test_domain_imports_only_stdlib import imported_modules

SERVICES = Path(leadrouter.services.__file__).parent


def offences(path: Path) -> list[str]:
    """What in this module breaks the rule, each with its line."""
    found = [
        f"{line} imports {module}"
        for line, module in imported_modules(path)
        if module == "leadrouter.bootstrap" or module.startswith("leadrouter.bootstrap.")
    ]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            arguments = node.args.posonlyargs + node.args.args + node.args.kwonlyargs
            found += [
                f"{node.lineno} {node.name} takes {a.arg}"
                for a in arguments
                if a.arg == "container"
            ]
        elif isinstance(node, ast.Attribute) and node.attr == "clock":
            found.append(f"{node.lineno} reads .clock")
    return found


def test_no_service_imports_the_composition_root_takes_a_container_or_reads_the_clock():
    files = sorted(SERVICES.rglob("*.py"))
    assert len(files) > 20
    found = [
        f"{path.relative_to(SERVICES)}:{offence}" for path in files for offence in offences(path)
    ]
    assert found == []


def test_the_check_sees_a_container_and_a_clock(tmp_path: Path):
    module = tmp_path / "bad.py"
    module.write_text(
        "from leadrouter.bootstrap import Container\n"
        "def answer(*, container):\n"
        "    return container.clock.now()\n",
        encoding="utf-8",
    )
    assert offences(module) == [
        "1 imports leadrouter.bootstrap",
        "2 answer takes container",
        "3 reads .clock",
    ]
