"""sanwei-contracts is installable on its own: its wheel needs pydantic and nothing else of sanwei.

Builds the wheel with `uv build`, reads its Requires-Dist, and imports every module of the
package in a Python that sees only the wheel and pydantic's own distributions (no site-packages).
"""

from __future__ import annotations

import importlib.metadata as metadata
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

pytestmark = pytest.mark.contract

CONTRACTS = Path(__file__).resolve().parents[1]


def _requirement_closure(name: str) -> set[str]:
    """Distribution names `name` needs at run time (extras and other platforms' markers left out)."""
    seen: set[str] = set()
    todo = [name]
    while todo:
        current = todo.pop()
        key = re.sub(r"[-_.]+", "-", current).lower()
        if key in seen:
            continue
        seen.add(key)
        for requirement in metadata.requires(current) or []:
            if ";" in requirement and "extra ==" in requirement or "platform_system == 'Windows'" in requirement:
                continue
            todo.append(re.split(r"[ ;<>=!~\[]", requirement, maxsplit=1)[0])
    return seen


def _top_level_paths(distribution: str) -> set[Path]:
    dist = metadata.distribution(distribution)
    tops = set()
    for file in dist.files or []:
        first = file.parts[0]
        if first.endswith((".dist-info", ".data")) or first in ("..", "__pycache__") or first == "bin":
            continue
        tops.add(Path(dist.locate_file(first)))
    return tops


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    uv = shutil.which("uv")
    assert uv, "uv is needed to build the wheel (pip install uv)"
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run([uv, "build", str(CONTRACTS), "--wheel", "--out-dir", str(out)], check=True,
                   capture_output=True)
    [built] = out.glob("sanwei_contracts-*.whl")
    return built


def test_the_wheel_requires_only_pydantic(wheel: Path) -> None:
    with zipfile.ZipFile(wheel) as archive:
        meta = next(n for n in archive.namelist() if n.endswith(".dist-info/METADATA"))
        text = archive.read(meta).decode()
        names = archive.namelist()
    requires = [line.split(":", 1)[1].strip() for line in text.splitlines() if line.startswith("Requires-Dist:")]
    assert requires == ["pydantic>=2.7"]
    assert "sanwei_contracts/webhooks.py" in names and "sanwei_contracts/compat.py" in names


def test_the_package_imports_with_only_pydantic(wheel: Path, tmp_path: Path) -> None:
    root = tmp_path / "isolated"
    root.mkdir()
    with zipfile.ZipFile(wheel) as archive:
        archive.extractall(root)
    for distribution in _requirement_closure("pydantic"):
        for path in _top_level_paths(distribution):
            (root / path.name).symlink_to(path)
    probe = """
import pkgutil, sys, time, importlib
import sanwei_contracts
assert sanwei_contracts.__file__.startswith(sys.argv[1]), sanwei_contracts.__file__
for module in pkgutil.walk_packages(sanwei_contracts.__path__, "sanwei_contracts."):
    importlib.import_module(module.name)
for banned in ("sanwei_kit", "sqlalchemy", "faststream", "nats", "fastapi", "yaml"):
    assert banned not in sys.modules, banned
    try:
        importlib.import_module(banned)
    except ImportError:
        pass
    else:
        raise AssertionError(banned + " is importable: the probe is not isolated")
from sanwei_contracts.examples import example_envelopes
from sanwei_contracts.webhooks import signature_header, verify_signature
from sanwei_contracts import Envelope, spec_for_type
for event in example_envelopes():
    body = event.model_dump_json().encode()
    Envelope[spec_for_type(event.type).model].model_validate_json(body)
    verify_signature("whsec_x", body, signature_header("whsec_x", body, int(time.time())), time.time())
print("ok", len(example_envelopes()))
"""
    result = subprocess.run([sys.executable, "-I", "-S", "-c", f"import sys; sys.path.insert(0, {str(root)!r})\n"
                             + probe, str(root)], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("ok ")
