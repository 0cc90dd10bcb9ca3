"""``manage.py setup_schedules [--reset]``: write the market's periodic tasks (django-celery-beat)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from market.schedules import schedules_install


class Command(BaseCommand):
    help = (
        "Create the market pipeline's periodic tasks that are missing. Existing rows are kept as "
        "the admin left them; --reset restores the declared schedules."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--reset", action="store_true", help="overwrite existing rows with the declarations"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        result = schedules_install(reset=options["reset"])
        for label, names in (("created", result.created), ("reset", result.reset)):
            for name in names:
                self.stdout.write(f"{label}: {name}")
        for name in result.overridden:
            self.stderr.write(
                f"warning: {name} overrides its task's route (CELERY_TASK_ROUTES); "
                "--reset clears it"
            )
        self.stdout.write(
            f"schedules: {len(result.created)} created, {len(result.reset)} reset, "
            f"{len(result.kept)} kept"
        )
