from django.core.management.base import BaseCommand

from server.workbench import purge


class Command(BaseCommand):
    help = "Blank personal data of requests closed longer than the retention period (COMMUNITY_RETENTION_DAYS)."

    def add_arguments(self, parser):
        parser.add_argument("--days", type=int)
        parser.add_argument("--dry-run", action="store_true")

    def handle(self, *args, days=None, dry_run=False, **kw):
        n = purge.purge(days, dry_run=dry_run)
        self.stdout.write(f"{'due' if dry_run else 'purged'}: {n}")
