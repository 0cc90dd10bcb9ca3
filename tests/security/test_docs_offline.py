"""/api/docs/ works without internet (issue 14, item 8): Swagger UI comes from our own static files
(drf-spectacular-sidecar), the page names no other origin, and its Content-Security-Policy allows
exactly this origin."""

from __future__ import annotations

from html.parser import HTMLParser
from typing import Any
from urllib.parse import urlsplit

import pytest
from asgiref.sync import async_to_sync
from asgiref.testing import ApplicationCommunicator
from django.conf import settings
from django.contrib.staticfiles import finders
from django.contrib.staticfiles.handlers import ASGIStaticFilesHandler
from django.core.asgi import get_asgi_application
from rest_framework.test import APIClient

pytestmark = pytest.mark.django_db

DOCS = "/api/docs/"


class AssetCollector(HTMLParser):
    """Every URL the page makes the browser fetch: script src, link href, img src."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        wanted = {"script": "src", "link": "href", "img": "src"}.get(tag)
        self.urls += [value for name, value in attrs if name == wanted and value]


async def asgi_get(application: Any, path: str) -> tuple[int, bytes]:
    """GET through an ASGI application, reading a streamed body (files come in chunks)."""
    scope = {"type": "http", "method": "GET", "path": path, "query_string": b"", "headers": []}
    communicator = ApplicationCommunicator(application, scope)
    await communicator.send_input({"type": "http.request", "body": b""})
    start = await communicator.receive_output(timeout=10)
    body = b""
    while True:
        message = await communicator.receive_output(timeout=10)
        body += message.get("body", b"")
        if not message.get("more_body"):
            return int(start["status"]), body


def docs_assets() -> tuple[Any, list[str]]:
    page = APIClient().get(DOCS)
    assert page.status_code == 200
    collector = AssetCollector()
    collector.feed(page.content.decode())
    return page, collector.urls


def test_the_docs_page_references_only_same_origin_assets() -> None:
    page, urls = docs_assets()

    assert len(urls) >= 4  # stylesheet, favicon, bundle, preset, start-up script
    foreign = [url for url in urls if urlsplit(url).scheme or urlsplit(url).netloc]
    assert foreign == []
    assert all(url.startswith("/") for url in urls)
    policy = page["Content-Security-Policy"]
    assert "script-src 'self';" in policy
    assert "http" not in policy  # no other origin is allowed to supply anything


def test_the_docs_pages_assets_are_served_from_this_origin() -> None:
    """As `make run` serves them (daphne, DEBUG: ASGIStaticFilesHandler); production's gateway serves
    the same files from collectstatic's output, which the finders feed."""
    _, urls = docs_assets()
    application = ASGIStaticFilesHandler(get_asgi_application())
    static_prefix = f"/{settings.STATIC_URL.lstrip('/')}"
    static = [url for url in urls if url.startswith(static_prefix)]
    assert static, urls

    for url in static:
        assert finders.find(url.removeprefix(static_prefix)), f"{url} would not be collected"
        status, body = async_to_sync(asgi_get)(application, url)
        assert status == 200, url
        assert len(body) > 100, url

    dynamic = [url for url in urls if not url.startswith(static_prefix)]
    for url in dynamic:  # the start-up script, from SpectacularSwaggerSplitView
        response = APIClient().get(url)
        assert response.status_code == 200, url
