"""The README tells the truth: every setting is in its table, every module it names exists."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from leadrouter.config import Settings

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def _section(title: str) -> str:
    start = README.index(f"## {title}\n")
    end = README.find("\n## ", start + 1)
    return README[start : end if end != -1 else None]


def _documented_variables() -> set[str]:
    names = set()
    for line in _section("Configuration").splitlines():
        if line.startswith("| `"):
            names |= set(re.findall(r"`([A-Z0-9_]+)`", line.split("|")[1]))
    return names


def _layout_paths() -> list[str]:
    """Paths of the layout block in Development: each entry's first word, under its folder,
    and the sub-folders its description names (``services/  ... leads/ routing/``)."""
    block = _section("Development").split("```\n", 2)[1]
    paths, parent, path = [], "", ""
    for line in block.splitlines():
        indent = len(line) - len(line.lstrip())
        if indent > 2:  # a description carried on from the line above
            description = line
        else:
            name, _, description = line.strip().partition(" ")
            if indent == 0:
                parent = name if name.endswith("/") else ""
            path = name if indent == 0 else parent + name
            paths.append(path)
        if path.endswith("/") and path.startswith("src/"):
            named = re.findall(r"(?<![\w/-])([a-z_]+)/(?=[\s:,.]|$)", description)
            paths.extend(path + sub + "/" for sub in named)
    return paths


@pytest.mark.parametrize("field", sorted(Settings.model_fields))
def test_every_setting_is_in_the_readme_configuration_table(field: str) -> None:
    assert field.upper() in _documented_variables()


def test_the_readme_configuration_table_names_only_real_settings() -> None:
    assert _documented_variables() <= {f.upper() for f in Settings.model_fields}


def test_every_module_and_folder_of_the_readme_layout_exists() -> None:
    paths = _layout_paths()
    assert "src/leadrouter/services/" in paths and "tests/unit/" in paths
    missing = [p for p in paths if not (ROOT / p).exists()]
    assert missing == []
