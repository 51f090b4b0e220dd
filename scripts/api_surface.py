#!/usr/bin/env python3
"""Counts the library's public surface from its source (src/ without the
command line): public modules reachable from the crate root, `pub fn`s in
them and in every module (private modules are reached through `pub use`),
those returning anyhow's Result, and the files that name anyhow.

    python3 scripts/api_surface.py [SRC_DIR]

A count read from the source, not from rustdoc: a `pub fn` counts when its
module is reachable through `pub mod`s from src/lib.rs (methods included;
`pub(crate)` items and `#[cfg(test)]` modules excluded)."""

import re
import sys
from pathlib import Path

SRC = Path(sys.argv[1] if len(sys.argv) > 1 else "src")
EXCLUDED = {"cli", "main.rs"}

MOD = re.compile(r"^\s*(pub(?:\([^)]*\))?\s+)?mod\s+(\w+)\s*;", re.M)
PUB_FN = re.compile(r"^\s*pub\s+(?:const\s+)?(?:unsafe\s+)?fn\s+\w+[^{;]*", re.M)
ANYHOW_RESULT_IMPORT = re.compile(r"use anyhow::\{[^}]*\bResult\b[^}]*\}|use anyhow::Result\b")


def module_file(parent: Path, name: str) -> Path | None:
    for p in (parent / f"{name}.rs", parent / name / "mod.rs"):
        if p.exists():
            return p
    return None


def children_dir(f: Path) -> Path:
    if f.name in ("mod.rs", "lib.rs"):
        return f.parent
    return f.parent / f.stem


def without_tests(text: str) -> str:
    """The text before a `#[cfg(test)] mod tests {` block."""
    m = re.search(r"#\[cfg\(test\)\]\s*mod\s+\w+\s*\{", text)
    return text[: m.start()] if m else text


def walk():
    """(file, public) for every module file reached from lib.rs."""
    seen = []
    stack = [(SRC / "lib.rs", True)]
    while stack:
        f, public = stack.pop()
        seen.append((f, public))
        text = without_tests(f.read_text())
        for vis, name in MOD.findall(text):
            if name in EXCLUDED:
                continue
            child = module_file(children_dir(f), name)
            if child:
                stack.append((child, public and vis.strip() == "pub"))
    return seen


def count(files):
    """`pub fn`s in `files`, and those returning anyhow's Result."""
    fns = anyhow_fns = 0
    for f in files:
        text = without_tests(f.read_text())
        anyhow_alias = bool(ANYHOW_RESULT_IMPORT.search(text))
        for sig in PUB_FN.findall(text):
            fns += 1
            ret = sig.split("->", 1)[1] if "->" in sig else ""
            bare_result = re.search(r"(?<![:\w])Result\s*<", ret)
            if "anyhow::Result" in ret or (anyhow_alias and bare_result):
                anyhow_fns += 1
    return fns, anyhow_fns


def main():
    files = walk()
    pub_mods = sum(1 for f, public in files if public and f.name != "lib.rs")
    reachable = count(f for f, public in files if public)
    every = count(f for f, _ in files)
    anyhow_files = sum(
        1
        for p in SRC.rglob("*.rs")
        if not p.relative_to(SRC).parts[0] in EXCLUDED and "anyhow" in p.read_text()
    )
    print(f"public modules:                        {pub_mods}")
    print(f"pub fn in public modules:              {reachable[0]}")
    print(f"  of them returning anyhow's Result:   {reachable[1]}")
    print(f"pub fn in any module (pub use reach):  {every[0]}")
    print(f"  of them returning anyhow's Result:   {every[1]}")
    print(f"files naming anyhow:                   {anyhow_files}")

main()
