"""`python manage.py backup DEST_DIR`: database dump + upload files + manifest in DEST_DIR/<timestamp>/.
See portal/backup.py for what is written and why it is consistent. Exit code 1 on any problem."""

import subprocess
import sys

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from portal.backup import BackupError, create_backup
from portal.management.commands.restore import summary_lines


class Command(BaseCommand):
    help = "Back up the database and the upload storage into DEST_DIR/<timestamp>/ with a SHA-256 manifest."

    def add_arguments(self, parser):
        parser.add_argument("destination", help="folder that receives the timestamped backup folder")

    def handle(self, *args, destination, **options):
        try:
            outcome = create_backup(destination)
        except BackupError as error:
            raise CommandError(str(error)) from None
        except subprocess.CalledProcessError as error:
            raise CommandError(f"{error.cmd[0]} failed: {error.stderr.strip()}") from None
        self.stdout.write(_("Backup written to %(path)s") % {"path": outcome.folder} + f"  /  Backup written to {outcome.folder}")
        for line in summary_lines(outcome):
            self.stdout.write(line)
        for problem in outcome.problems:
            self.stderr.write(problem)
        if outcome.problems:
            sys.exit(1)
