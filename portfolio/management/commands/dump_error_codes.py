"""Write every error code the API can return to frontend/src/lib/api/error-codes.json.

The client must translate each of them (a vitest test checks it); tests/site/test_error_codes.py fails
when the file is out of date. Run it after adding an error code: ``manage.py dump_error_codes``.
"""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand

from portfolio_site.error_codes import collect_error_codes, error_codes_file


def render(codes: list[str]) -> str:
    return json.dumps(codes, indent=2) + "\n"


class Command(BaseCommand):
    help = "Write the API's error codes to frontend/src/lib/api/error-codes.json for the client."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--check", action="store_true", help="Fail if the file is out of date.")

    def handle(self, *args: Any, check: bool = False, **options: Any) -> None:
        path = error_codes_file()
        text = render(collect_error_codes())
        if check:
            if not path.exists() or path.read_text(encoding="utf-8") != text:
                raise SystemExit(f"{path} is out of date: run manage.py dump_error_codes")
            return
        path.write_text(text, encoding="utf-8")
        self.stdout.write(f"Wrote {len(json.loads(text))} error codes to {path}")
