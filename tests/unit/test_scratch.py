"""Scratch folders left by a killed process are removed at the next start; a live process's are kept."""

from __future__ import annotations

import os
import subprocess
import sys
import time

from dataetat import scratch


def _dead_pid() -> int:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def test_sweep_removes_the_folders_of_dead_processes_only(tmp_path):
    dead = tmp_path / f"dataetat-import-{_dead_pid()}-abc"
    (dead / "stage").mkdir(parents=True)
    (dead / "stage" / "ae.parquet").write_bytes(b"x" * 1000)
    mine = tmp_path / f"dataetat-export-{os.getpid()}-def"
    mine.mkdir()
    legacy_old = tmp_path / "dataetat-export-k2j3h4"  # named before the pid was in the name
    legacy_old.mkdir()
    os.utime(legacy_old, (time.time() - 2 * 86400,) * 2)
    legacy_new = tmp_path / "dataetat-import-zz9"
    legacy_new.mkdir()
    other = tmp_path / "quelque-chose-d-autre"
    other.mkdir()
    assert sorted(scratch.sweep(tmp_path)) == sorted([dead, legacy_old])
    assert mine.is_dir() and legacy_new.is_dir() and other.is_dir()


def test_sweep_uploads_removes_old_empty_upload_folders(tmp_path):
    old_empty, new_empty, old_full = (tmp_path / f"envoi-{n}" for n in ("a", "b", "c"))
    for folder in (old_empty, new_empty, old_full):
        folder.mkdir()
    (old_full / "lignes-ecartees.csv").write_text("x")
    for folder in (old_empty, old_full):
        os.utime(folder, (time.time() - 7200,) * 2)
    assert scratch.sweep_uploads(tmp_path) == [old_empty]
    assert new_empty.is_dir() and old_full.is_dir()


def test_sweep_uploads_removes_files_kept_for_a_confirmation_after_a_day(tmp_path):
    old, new = (tmp_path / f"envoi-{n}" / "ae" for n in ("a", "b"))
    for folder in (old, new):
        folder.mkdir(parents=True)
        (folder / "engagements.csv").write_text("x")
    (tmp_path / "envoi-a" / "lignes-ecartees.csv").write_text("x")  # a finished import's rejects stay
    os.utime(old, (time.time() - 25 * 3600,) * 2)
    assert scratch.sweep_uploads(tmp_path) == [old]
    assert new.is_dir() and (tmp_path / "envoi-a" / "lignes-ecartees.csv").is_file()


def test_the_scratch_folder_names_its_process():
    folder = scratch.make("export")
    try:
        assert folder.name.startswith(f"dataetat-export-{os.getpid()}-")
        assert folder not in scratch.sweep(folder.parent)
    finally:
        folder.rmdir()
