"""The layout of the tests.

- pytest imports test modules by their basename (no __init__.py in tests/): two test files of the
  same name in two folders break the collection of the whole suite.
- A clone must pass its tests on its own: nothing in src/, tests/ or bench/ reads the sample folder
  that sits next to the repository on the development machine (`../shared`); the files the tests
  need are copied in tests/data/ with their provenance."""

import re
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
TESTS = ROOT / "tests"
# "../shared", or a path built with a "shared" component: Path(...).parents[n] / "shared" / "data".
OUTSIDE = re.compile(r"\.\./shared\b|/\s*[\"']shared[\"']")
# Code and configuration; the provenance notes (*.md) may say where a bundled file was built from.
CODE = {".py", ".toml", ".cfg", ".ini", ".json", ".js", ".mjs", ".html", ".sh", ".yml", ".yaml", ".txt"}


def test_test_file_names_are_unique():
    names = Counter(p.name for p in TESTS.rglob("test_*.py"))
    assert not [n for n, count in names.items() if count > 1]


def _code_files():
    for folder in ("src", "tests", "bench"):
        for path in (ROOT / folder).rglob("*"):
            skipped = {"vendor", "screenshots", "__pycache__", "node_modules"} & set(path.parts)
            if path.is_file() and path.suffix in CODE and not skipped:
                yield path


def test_nothing_reads_the_shared_folder_next_to_the_repository():
    found = [
        f"{path.relative_to(ROOT)}:{number}: {line.strip()}"
        for path in _code_files()
        for number, line in enumerate(path.read_text("utf-8", errors="replace").splitlines(), 1)
        if OUTSIDE.search(line) and path != Path(__file__).resolve()
    ]
    assert not found, "\n".join(found)


def test_the_pattern_finds_both_ways_of_reaching_it():
    assert OUTSIDE.search('DATA = Path(__file__).parents[3] / "shared" / "data"')
    assert OUTSIDE.search("read ../shared/data at run time")
    assert not OUTSIDE.search("shared searches, a shared_url fixture")


def test_copied_samples_have_their_provenance():
    provenance = (TESTS / "data" / "PROVENANCE.md").read_text("utf-8")
    for path in (TESTS / "data").rglob("*"):
        if path.is_file() and path.parent.name != "sources" and path.name != "PROVENANCE.md":
            assert path.name in provenance, f"{path.relative_to(TESTS)} absent de tests/data/PROVENANCE.md"
