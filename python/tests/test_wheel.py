"""The wheel `maturin build --release` makes, installed into a fresh
virtual environment outside the repository and used from a folder where
the checkout is not on the path: the report with axes works (the stance
model travels inside the package)."""

import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from conftest import ROOT

SCRIPT = r'''
import json, sys
from pathlib import Path
import volte
here = Path(volte.__file__).resolve()
assert not str(here).startswith(sys.argv[1]), here
records = [json.loads(l) for l in open("statements.jsonl", encoding="utf-8") if l.strip()]
report = volte.report(records, axes="theses.toml")
thesis = volte.report(records[:20], axes="The US government should back AI companies.")
print(json.dumps({"module": str(here), "topics": len(report["topics"]),
                  "timelines": len(report["timelines"]), "axes": len(report["axes"]),
                  "thesis_axes": len(thesis["axes"])}))
'''


def wheel() -> Path:
    given = os.environ.get("VOLTE_WHEEL")
    if given:
        return Path(given)
    found = sorted((ROOT / "target" / "wheels").glob("volte-*.whl"), key=os.path.getmtime)
    if not found:
        if os.environ.get("CI"):
            raise AssertionError("no wheel: CI builds one with `maturin build --release`")
        pytest.skip("no wheel in target/wheels: run `maturin build --release -m python/Cargo.toml`")
    return found[-1]


def test_the_wheel_works_outside_the_repository():
    whl = wheel()
    with tempfile.TemporaryDirectory(prefix="volte-wheel-", dir="/tmp") as tmp:
        tmp = Path(tmp)
        assert ROOT not in tmp.parents
        subprocess.run([sys.executable, "-m", "venv", str(tmp / "env")], check=True)
        py = tmp / "env" / "bin" / "python"
        subprocess.run([str(py), "-m", "pip", "install", "-q", str(whl)], check=True)
        work = tmp / "work"
        work.mkdir()
        for name in ["statements.jsonl", "theses.toml"]:
            shutil.copy(ROOT / "examples" / "ai-bailout" / name, work / name)
        env = {k: v for k, v in os.environ.items()
               if k not in ("PYTHONPATH", "VOLTE_STANCE_MODEL", "VIRTUAL_ENV")}
        env["VOLTE_NO_PROGRESS"] = "1"
        done = subprocess.run([str(py), "-I", "-c", SCRIPT, str(ROOT)], cwd=work, env=env,
                              capture_output=True, text=True)
        assert done.returncode == 0, done.stderr
        got = json.loads(done.stdout.strip().splitlines()[-1])
        assert got["module"].startswith(str(tmp / "env"))
        assert got["axes"] == 2 and got["topics"] >= 2 and got["timelines"] > 5
        assert got["thesis_axes"] == 1
