"""Loading and progress feedback: the page-wide request bar, the progress bar macro, error toasts."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from mymovielist.extensions import db
from mymovielist.models import SyncRun

STATIC = Path(__file__).resolve().parents[1] / "mymovielist" / "static"


def render_progress(app, **kwargs) -> ET.Element:
    with app.test_request_context():
        template = app.jinja_env.from_string(
            '{% from "_progress.html" import progress_bar %}{{ progress_bar(**kwargs) }}'
        )
        return ET.fromstring(template.render(kwargs=kwargs))


def test_a_determinate_bar_has_its_value_a_label_and_the_percentage_as_text(app):
    block = render_progress(app, id="import-7", label="Importing your list", value=2, total=3)
    label, bar, text = list(block)
    assert label.get("id") == "import-7-label" and label.text == "Importing your list"
    assert bar.tag == "progress" and (bar.get("value"), bar.get("max")) == ("2", "3")
    assert bar.get("aria-labelledby") == "import-7-label" and bar.text == "66%"
    assert text.text == "2 / 3 · 66%"


def test_without_a_total_the_bar_is_indeterminate_and_counts_what_is_done(app):
    block = render_progress(app, id="run-1", label="Run 1", value=5, visible_label=False)
    label, bar, text = list(block)
    assert "visually-hidden" in label.get("class")
    assert bar.get("value") is None and bar.get("max") is None and text.text == "5 done"


def test_the_sync_page_uses_the_progress_bar(app, client, auth, make_user):
    make_user("root", role="admin")
    auth.login("root")
    with app.app_context():
        run = SyncRun(provider="tmdb", job="refresh", status="running", total=4, created=1)
        db.session.add(run)
        db.session.commit()
        run_id = run.id
    html = client.get(f"/admin/sync/runs/{run_id}/progress", headers={"HX-Request": "true"}).get_data(
        as_text=True
    )
    assert 'class="progress-block"' in html and f'aria-labelledby="run-{run_id}-progress-label"' in html
    assert "1 / 4 · 25%" in html


def test_every_page_has_the_request_bar_and_it_shows_while_htmx_is_busy(client):
    html = client.get("/").get_data(as_text=True)
    assert '<div id="page-progress" class="page-progress" aria-hidden="true"></div>' in html
    css = (STATIC / "css" / "app.css").read_text()
    assert re.search(r"\.htmx-busy \.page-progress \{[^}]*opacity: 1", css)
    assert "prefers-reduced-motion" in css and '[aria-busy="true"]' in css
    js = (STATIC / "js" / "app.js").read_text()
    for event in (
        "htmx:beforeRequest",
        "htmx:afterRequest",
        "htmx:responseError",
        "htmx:sendError",
        "htmx:timeout",
    ):
        assert f'"{event}"' in js
    assert 'setAttribute("aria-busy", "true")' in js and 'classList.add("htmx-busy")' in js


def test_no_inline_scripts_or_styles_on_the_stats_pages(client, make_user):
    make_user("dora")
    for path in ("/users/dora/stats", "/users/dora/stats/2024"):
        html = client.get(path).get_data(as_text=True)
        assert (
            not re.search(r"<script(?![^>]*\bsrc=)", html)
            and " style=" not in html
            and " on" + "click=" not in html
        )


@pytest.mark.parametrize("path", ["/users/nobody/stats", "/titles/999999"])
def test_a_failing_htmx_request_carries_its_reason_as_a_toast(client, path):
    response = client.get(path, headers={"HX-Request": "true"})
    assert response.status_code == 404 and response.data == b""
    toast = json.loads(response.headers["HX-Trigger"])["toast"]
    assert toast["level"] == "error" and "could not find" in toast["message"]
