"""Query-string forms of the catalog pages (GET, so no CSRF token)."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import IntegerField, SelectChoice, SelectField, StringField
from wtforms.validators import Length, NumberRange, Optional, Regexp

from mymovielist.models import KINDS
from mymovielist.services.catalog import SEASONS, BrowseFilters

SORT_LABELS = {
    "popularity": "Popularity",
    "score": "Score",
    "title": "Title",
    "release_date": "Release date",
    "added": "Recently added",
}
CURSOR = r"^[A-Za-z0-9_-]+$"
STATUS_LABELS = {"": "Any status", "upcoming": "Upcoming", "airing": "Airing", "finished": "Finished", "cancelled": "Cancelled"}


class QueryForm(FlaskForm):
    class Meta:
        csrf = False


class BrowseForm(QueryForm):
    genre = StringField("Genre", validators=[Optional(), Regexp(r"^[a-z0-9-]{1,100}$", message="Unknown genre.")])
    year_from = IntegerField("From year", validators=[Optional(), NumberRange(1800, 2200)])
    year_to = IntegerField("To year", validators=[Optional(), NumberRange(1800, 2200)])
    status = SelectField("Status", choices=[SelectChoice(v, t) for v, t in STATUS_LABELS.items()], default="")
    format = StringField("Format", validators=[Optional(), Length(max=32)])
    season = SelectField(
        "Season",
        choices=[SelectChoice("", "Any season")] + [SelectChoice(s, s.capitalize()) for s in SEASONS],
        default="",
    )
    publisher = StringField("Publisher", validators=[Optional(), Length(max=200)])
    sort = SelectField("Sort by", choices=[SelectChoice(v, t) for v, t in SORT_LABELS.items()], default="popularity")
    page = IntegerField("Page", validators=[Optional(), NumberRange(1, 100_000)], default=1)
    # keyset cursors of the next and previous pages (services.catalog.encode_cursor)
    after = StringField("After", validators=[Optional(), Length(max=400), Regexp(CURSOR, message="Broken page link.")])
    before = StringField("Before", validators=[Optional(), Length(max=400), Regexp(CURSOR, message="Broken page link.")])
    # An infinite scroll keeps its place in the URL: pages `page` through `through` are shown; a
    # load-more request names the page the list starts at (`start`) to write that URL.
    through = IntegerField("Through page", validators=[Optional(), NumberRange(1, 100_000)])
    start = IntegerField("First page shown", validators=[Optional(), NumberRange(1, 100_000)])

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        if ok and self.year_from.data and self.year_to.data and self.year_from.data > self.year_to.data:
            self.year_to.errors.append("The end year is before the start year.")
            ok = False
        return ok

    def filters(self) -> BrowseFilters:
        return BrowseFilters(
            genre=self.genre.data or None,
            year_from=self.year_from.data,
            year_to=self.year_to.data,
            status=self.status.data or None,
            format=self.format.data or None,
            season=self.season.data or None,
            publisher=self.publisher.data or None,
            sort=self.sort.data or "popularity",
        )


class SearchForm(QueryForm):
    q = StringField("Search", validators=[Optional(), Length(max=200)])
    kind = SelectField("Kind", choices=[SelectChoice("", "All kinds")] + [SelectChoice(k, k) for k in KINDS], default="")
    page = IntegerField("Page", validators=[Optional(), NumberRange(1, 500)], default=1)


def error_summary(form: FlaskForm) -> str:
    """One sentence naming each invalid field and why."""
    parts = [f"{form[name].label.text}: {' '.join(errors)}" for name, errors in form.errors.items()]
    return "Check the filters. " + "; ".join(parts)


