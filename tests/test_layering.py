"""The package layering (pyproject.toml, [tool.importlinter]) holds: a package imports only
from the layers below it, function-local imports included, so no import cycle can return."""

from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _layers() -> list[str]:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]
    (contract,) = config["contracts"]
    return [name.strip() for layer in contract["layers"] for name in layer.split("|")]


def test_every_package_of_the_app_has_a_layer():
    packages = {p.parent.name for p in (ROOT / "app").glob("*/__init__.py")}
    packages.add("cli")  # a module: the commands sit on top of everything
    assert packages == set(_layers()), "a new package needs its place in the layering"


def test_packages_import_only_downwards():
    lint = Path(sys.executable).with_name("lint-imports")
    result = subprocess.run([str(lint), "--no-cache"], cwd=ROOT, capture_output=True, text=True,
                            timeout=300)
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    assert "1 kept, 0 broken" in result.stdout
