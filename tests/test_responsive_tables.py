"""Every table sits in a .table-scroll box, so on a phone it scrolls sideways inside it, not the whole page."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

TEMPLATES = Path(__file__).resolve().parents[1] / "mymovielist" / "templates"
TABLES = sorted((path, match.start()) for path in TEMPLATES.rglob("*.html")
                for match in re.finditer(r"<table\b", path.read_text()))


def test_the_templates_have_tables():
    assert len(TABLES) >= 12  # admin, tokens, imports, stats: the scan below is not empty


@pytest.mark.parametrize("path, start", TABLES, ids=lambda value: str(value.relative_to(TEMPLATES)) if isinstance(value, Path) else str(value))
def test_each_table_is_wrapped_in_a_scroll_box(path, start):
    before = path.read_text()[:start].rstrip()
    # a box that scrolls must take keyboard focus to be scrolled without a mouse (axe: scrollable-region-focusable)
    assert re.search(r'<div class="table-scroll" tabindex="0" role="group" aria-label[^>]*>$', before), (
        f"{path.relative_to(TEMPLATES)}: a <table> outside a focusable, labelled .table-scroll")
