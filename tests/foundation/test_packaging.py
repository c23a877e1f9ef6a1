"""`pip install .` then `koxx`: the installed tree holds every module the entry point imports and
the data found next to them (migrations, catalogs). The tree is what setuptools' build_py puts in
the wheel (bdist_wheel itself needs the `wheel` package, which an offline venv may lack); the
entry point then runs from it alone, away from the source tree."""

from __future__ import annotations

import configparser
import os
import subprocess
import sys
from pathlib import Path

from tests.foundation.test_import_cycles import ROOT, imported, project_modules

BUILD = "from setuptools import setup; setup()"
RUN = """
import sys
sys.path.insert(0, sys.argv[1])
module, _, func = sys.argv[2].partition(":")
entry = getattr(__import__(module), func)
import bootstrap, jobs, scheduler  # imported when the process starts
from alembic.script import ScriptDirectory
from botkit.i18n import make_i18n
from core import migrate
assert ScriptDirectory.from_config(migrate.alembic_config()).get_heads(), "no migrations found"
assert "ar" in make_i18n().locales, "no Arabic catalog"
outside = sorted(name for name, mod in sys.modules.items() if name.split(".")[0] in sys.argv[3].split(",")
                 and not str(getattr(mod, "__file__", None) or sys.argv[1]).startswith(sys.argv[1]))
assert not outside, f"loaded from outside the installed tree: {outside}"
sys.exit(entry(["--help"]))
"""


def reachable(start: str) -> set[str]:
    """The project modules ``start`` imports, directly or not (imports inside functions too)."""
    modules = project_modules()
    seen, todo = {start}, [start]
    while todo:
        name = todo.pop()
        for target in imported(name, modules[name], modules):
            if target not in seen:
                seen.add(target)
                todo.append(target)
    return seen


def test_installed_tree_runs_the_entry_point(tmp_path: Path) -> None:
    lib = tmp_path / "lib"
    subprocess.run(
        [sys.executable, "-W", "ignore", "-c", BUILD, "-q", "egg_info", "--egg-base", str(tmp_path),
         "build_py", "--build-lib", str(lib)],
        cwd=ROOT, check=True, capture_output=True, text=True,
    )
    entry_points = configparser.ConfigParser()
    entry_points.read(tmp_path / "koxx_p2p.egg-info" / "entry_points.txt")
    entry = entry_points["console_scripts"]["koxx"]
    assert entry == "webhook:main"

    missing = sorted(
        name for name in reachable(entry.partition(":")[0])
        if not (lib / project_modules()[name].relative_to(ROOT)).is_file()
    )
    assert not missing, f"imported by the entry point, not installed: {missing}"

    top_level = sorted({name.split(".")[0] for name in project_modules()})
    env = {key: value for key, value in os.environ.items() if key != "PYTHONPATH"}
    result = subprocess.run(
        [sys.executable, "-P", "-c", RUN, str(lib), entry, ",".join(top_level)],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert "--role" in result.stdout
