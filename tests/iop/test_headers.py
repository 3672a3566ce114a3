"""Browser security headers: a Content-Security-Policy with no inline script, Referrer-Policy
and Permissions-Policy on pages, the API and its docs; and no template that would need an
inline script to work."""

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.template.loader import render_to_string
from django.test import Client

from iop.roles import Role
from tests.conftest import Tenant

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"


def policy(response: object) -> dict[str, list[str]]:
    header = response["Content-Security-Policy"]  # type: ignore[index]
    directives = [part.split() for part in header.split(";") if part.strip()]
    return {name: sources for name, *sources in directives}


def assert_secure_headers(response: object) -> None:
    csp = policy(response)
    assert csp["default-src"] == ["'self'"]
    assert csp["script-src"] == ["'self'"]  # no 'unsafe-inline', no 'unsafe-eval', no CDN
    assert csp["style-src"] == ["'self'"]
    assert csp["frame-ancestors"] == ["'none'"]
    assert csp["object-src"] == ["'none'"]
    assert response["Referrer-Policy"] == "same-origin"  # type: ignore[index]
    features = response["Permissions-Policy"]  # type: ignore[index]
    for feature in ("camera", "microphone", "geolocation", "payment", "usb"):
        assert f"{feature}=()" in features


def test_pages_send_the_security_headers(clinic_a: Tenant) -> None:
    assert_secure_headers(Client().get("/accounts/login/"))
    response = clinic_a.client_for(Role.THERAPIST).get(f"/c/{clinic_a.clinic.slug}/")
    assert response.status_code == 200
    assert_secure_headers(response)


def test_the_api_sends_the_security_headers(clinic_a: Tenant) -> None:
    client = Client(headers={"Authorization": f"Bearer {clinic_a.token_secret}"})
    response = client.get("/api/v1/me")
    assert response.status_code == 200
    assert_secure_headers(response)
    assert_secure_headers(Client().get("/api/v1/me"))  # refusals too


class Scripts(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.sources: list[str | None] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "script":
            self.sources.append(dict(attrs).get("src"))


@pytest.mark.django_db
def test_the_api_docs_work_under_the_policy() -> None:
    client = Client()
    response = client.get("/api/docs/")
    assert response.status_code == 200
    assert_secure_headers(response)
    assert '<html lang="en">' in response.content.decode()
    parser = Scripts()
    parser.feed(response.content.decode())
    # Every script is a file of this site: Swagger UI from the sidecar package, and its
    # start-up script from the split view (?script=) rather than inline.
    assert parser.sources
    assert all(src and src.startswith("/") for src in parser.sources), parser.sources
    start_up = next(src for src in parser.sources if src and "script=" in src)
    script = client.get(start_up)
    assert script.status_code == 200
    assert "SwaggerUIBundle" in script.content.decode()
    bundle = next(src for src in parser.sources if src and "swagger-ui-bundle" in src)
    assert client.get(bundle).status_code == 200
    assert "<style" not in response.content.decode()  # its page style is a file too
    assert client.get("/api/schema/").status_code == 200


# An inline <script> (anything without src=, but JSON data blocks), or an on…= attribute.
INLINE_SCRIPT = re.compile(
    r"<script(?![^>]*\bsrc=)(?![^>]*type=[\"']application/(?:ld\+)?json[\"'])[^>]*>",
    re.IGNORECASE,
)
HANDLER = re.compile(r"<[^>]*\son[a-z]+\s*=", re.IGNORECASE | re.DOTALL)
STYLE_ATTRIBUTE = re.compile(r"<[^>]*\sstyle\s*=", re.IGNORECASE | re.DOTALL)


def test_no_template_has_inline_script_handlers_or_style_attributes() -> None:
    templates = sorted(TEMPLATES.rglob("*.html"))
    assert len(templates) > 20
    found = []
    for path in templates:
        text = path.read_text()
        for pattern in (INLINE_SCRIPT, HANDLER, STYLE_ATTRIBUTE):
            found += [
                f"{path.relative_to(TEMPLATES)}: {m.group(0)[:80]}" for m in pattern.finditer(text)
            ]
    assert found == []


@pytest.mark.parametrize(
    "markup",
    [
        "<script>alert(1)</script>",
        '<script type="module">x()</script>',
        '<button type="submit" onclick="return confirm(\'x\')">',
        '<form method="post"\n      onsubmit="go()">',
        '<div style="color: red">',
    ],
)
def test_the_template_check_catches_what_it_forbids(markup: str) -> None:
    assert any(p.search(markup) for p in (INLINE_SCRIPT, HANDLER, STYLE_ATTRIBUTE))


@pytest.mark.parametrize(
    "markup",
    [
        '<script src="/static/js/app.js" defer></script>',
        '<script type="application/json" id="data">{}</script>',
        '<button hx-post="/x" hx-confirm="Sure?" data-confirm="Sure?">',
        "<p>Someone is online=yes</p>",
    ],
)
def test_the_template_check_allows_files_data_and_htmx(markup: str) -> None:
    assert not any(p.search(markup) for p in (INLINE_SCRIPT, HANDLER, STYLE_ATTRIBUTE))


def test_the_server_error_page_renders_with_its_style_from_a_file() -> None:
    # Django renders 500.html bare (no request, no context) when everything else failed.
    page = render_to_string("500.html")
    assert "Something went wrong" in page
    assert 'href="/static/css/app.css"' in page
