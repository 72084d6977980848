"""The zh_Hans catalogue is complete: every string the code marks has a Chinese translation."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import polib

ROOT = Path(__file__).resolve().parents[2]
CATALOGUE = Path("locale") / "zh_Hans" / "LC_MESSAGES" / "django.po"
NOT_SOURCE = shutil.ignore_patterns(".venv", ".git", "var", "test-artifacts", "__pycache__", "*.sqlite3", "node_modules")


def test_every_marked_string_has_a_chinese_translation(tmp_path):
    # Extract into a copy of the source tree so the project's own catalogue is never touched.
    copy = tmp_path / "src"
    shutil.copytree(ROOT, copy, ignore=NOT_SOURCE)
    subprocess.run(
        [sys.executable, "manage.py", "makemessages", "-l", "zh_Hans", "--ignore=tests", "--ignore=bench", "-v0"],
        cwd=copy, check=True, capture_output=True, timeout=300, env=dict(os.environ),
    )
    catalogue = polib.pofile(str(copy / CATALOGUE))
    assert [entry.msgid for entry in catalogue.untranslated_entries()] == []
    assert [entry.msgid for entry in catalogue.fuzzy_entries()] == []


def test_the_compiled_catalogue_matches_the_source():
    source = polib.pofile(str(ROOT / CATALOGUE))
    compiled = {entry.msgid: entry for entry in polib.mofile(str((ROOT / CATALOGUE).with_suffix(".mo")))}
    for entry in source.translated_entries():
        assert entry.msgid in compiled, entry.msgid
        if entry.msgid_plural:
            assert compiled[entry.msgid].msgstr_plural == entry.msgstr_plural, entry.msgid
        else:
            assert compiled[entry.msgid].msgstr == entry.msgstr, entry.msgid
