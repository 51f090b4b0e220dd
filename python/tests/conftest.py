"""Shared fixtures: the repository, the `volte` program built by `cargo
build --release` (the Python results are compared with it), and statements
from the STS-benchmark test set in ../shared."""

import csv
import json
import os
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SHARED = ROOT.parent / "shared" / "data" / "stsb-multi-mt"


def volte_bin() -> Path:
    path = Path(os.environ.get("VOLTE_BIN", ROOT / "target" / "release" / "volte"))
    if not path.is_file():
        raise RuntimeError(f"{path} is missing: run `cargo build --release` first")
    return path


def run_cli(*args: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, VOLTE_NO_PROGRESS="1")
    done = subprocess.run(
        [str(volte_bin()), *args], capture_output=True, text=True, env=env, cwd=ROOT
    )
    if done.returncode != 0:
        raise AssertionError(f"volte {' '.join(args)} failed:\n{done.stderr}")
    return done


def sts_statements(count: int):
    """The first `count` distinct sentences of the en, de, fr and es test
    sets, as records with an id and a language."""
    seen, out = set(), []
    for lang in ["en", "de", "fr", "es"]:
        with open(SHARED / f"stsb-{lang}-test.csv", encoding="utf-8") as f:
            for row in csv.reader(f):
                for text in row[:2]:
                    if text not in seen:
                        seen.add(text)
                        out.append({"id": f"s{len(out)}", "text": text, "lang": lang})
                        if len(out) == count:
                            return out
    raise AssertionError(f"fewer than {count} sentences in {SHARED}")


def write_jsonl(path: Path, records) -> Path:
    with open(path, "w", encoding="utf-8") as f:
        for r in records:
            f.write(json.dumps(r, ensure_ascii=False) + "\n")
    return path


@pytest.fixture(scope="session")
def engine():
    import volte

    return volte.Engine()
