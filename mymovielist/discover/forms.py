"""Query-string forms of the discovery pages (GET, so no CSRF token)."""

from __future__ import annotations

from wtforms import IntegerField, SelectChoice, SelectField
from wtforms.validators import NumberRange, Optional

from mymovielist.catalog.forms import QueryForm
from mymovielist.models import KIND_LABELS

WINDOW_LABELS = {"day": "Today", "week": "This week", "month": "This month"}


class KindForm(QueryForm):
    kind = SelectField(
        "Kind", choices=[SelectChoice("", "All kinds")] + [SelectChoice(k, v) for k, v in KIND_LABELS.items()],
        default="",
    )


class ShelfForm(KindForm):
    page = IntegerField("Page", validators=[Optional(), NumberRange(1, 1000)], default=1)


class TrendingForm(ShelfForm):
    window = SelectField("Period", choices=[SelectChoice(k, v) for k, v in WINDOW_LABELS.items()], default="week")
