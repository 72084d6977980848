"""`python manage.py restore BACKUP_DIR [--force]`: load a backup made by `manage.py backup` into an
empty install (database and upload storage named by DATABASE_URL and UPLOAD_ROOT), verifying every
file's SHA-256 and the row counts against the manifest. Prints a Chinese and English summary;
exit code 1 on any problem."""

import subprocess
import sys

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from portal.backup import BackupError, restore_backup

LABELS = {  # key → English; the Chinese comes from the catalogue
    "cases": gettext_noop("Cases"),
    "uploads": gettext_noop("Uploaded files"),
    "transitions": gettext_noop("Case transitions"),
    "audit_events": gettext_noop("Audit events"),
    "users": gettext_noop("Users"),
}
FILES_CHECKED = gettext_noop("Files checked")
ALL_MATCH = gettext_noop("every file matches its SHA-256 in the manifest")


def summary_lines(outcome) -> list[str]:
    lines = [f"  {_(english)} / {english}: {outcome.counts[key]}" for key, english in LABELS.items()]
    lines.append(f"  {_(FILES_CHECKED)} / {FILES_CHECKED}: {outcome.files}")
    return lines


class Command(BaseCommand):
    help = "Restore a backup folder into an empty database and empty upload storage, verifying checksums."

    def add_arguments(self, parser):
        parser.add_argument("backup", help="a folder written by `manage.py backup` (holds manifest.json)")
        parser.add_argument("--force", action="store_true", help="replace a database or storage that is not empty")

    def handle(self, *args, backup, force, **options):
        try:
            outcome = restore_backup(backup, force=force)
        except BackupError as error:
            raise CommandError(str(error)) from None
        except subprocess.CalledProcessError as error:
            raise CommandError(f"{error.cmd[0]} failed: {error.stderr.strip()}") from None
        self.stdout.write(_("Restored from %(path)s") % {"path": outcome.folder} + f"  /  Restored from {outcome.folder}")
        for line in summary_lines(outcome):
            self.stdout.write(line)
        if outcome.problems:
            for problem in outcome.problems:
                self.stderr.write(problem)
            sys.exit(1)
        self.stdout.write(f"  {_(ALL_MATCH)} / {ALL_MATCH}")
