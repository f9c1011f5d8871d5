"""Tracking forms: the list entry, the inline rating, a logged watch, the list page's query."""

from __future__ import annotations

from datetime import date

from flask_wtf import FlaskForm
from wtforms import BooleanField, DateField, IntegerField, SelectChoice, SelectField, StringField, TextAreaField
from wtforms.validators import Length, NumberRange, Optional, ValidationError

from mymovielist.models import KINDS, KIND_LABELS
from mymovielist.models.tracking import ENTRY_STATUSES
from mymovielist.services import scores
from mymovielist.services.tracking import LIST_SORTS, MAX_PROGRESS, PRIORITIES, today

SORT_LABELS = {"updated": "Last updated", "title": "Title", "score": "Score", "progress": "Progress", "kind": "Type",
               "started": "Started", "finished": "Finished", "priority": "Priority"}
DIRECTIONS = {"asc": "Ascending", "desc": "Descending"}
_STATUS_TEXT = {"watching": "Watching / reading", "completed": "Completed", "on_hold": "On hold",
                "dropped": "Dropped", "planned": "Plan to watch / read"}


class ScoreField(StringField):
    """A score typed or picked in the user's display scale; `.stored` is its 0-100 value (None: no score)."""

    def __init__(self, *args, scale: str = scores.DEFAULT_SCALE, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.scale = scale
        self.stored: int | None = None

    def pre_validate(self, form) -> None:
        raw = (self.data or "").strip()
        if raw == "":
            self.stored = None
            return
        try:
            self.stored = scores.from_display(raw, self.scale)
        except ValueError as error:
            # never echo a long input back in a message
            raise ValidationError(f"Score: {error}." if len(raw) <= 12 else "Score: enter a score on your scale.") from None


def _not_future(form, field) -> None:
    if field.data is not None and field.data > today():
        raise ValidationError("Dates cannot be in the future.")


class RatingForm(FlaskForm):
    score = ScoreField("Your score")

    def __init__(self, *args, scale: str, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.score.scale = scale


class EntryForm(FlaskForm):
    """Every field of an entry; a partial post (one select, one button) changes only what it sends."""

    status = SelectField("Status", choices=[SelectChoice(s, _STATUS_TEXT[s]) for s in ENTRY_STATUSES],
                         validators=[Optional()])
    progress = IntegerField("Progress", validators=[Optional(), NumberRange(0, MAX_PROGRESS)])
    score = ScoreField("Score")
    started_on = DateField("Started on", validators=[Optional(), _not_future])
    finished_on = DateField("Finished on", validators=[Optional(), _not_future])
    rewatch_count = IntegerField("Times rewatched", validators=[Optional(), NumberRange(0, 10_000)])
    notes = TextAreaField("Private notes", validators=[Length(max=5000, message="Use at most 5,000 characters.")],
                          render_kw={"rows": 4, "maxlength": 5000})
    is_favourite = BooleanField("Favourite")
    tags = StringField("Tags", description="Separated by commas.",
                       validators=[Length(max=1000, message="Use at most 1,000 characters.")])
    priority = SelectField("Priority", choices=[SelectChoice(str(k), v) for k, v in PRIORITIES.items()],
                           validators=[Optional()])

    def __init__(self, *args, scale: str, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.score.scale = scale

    def changes(self, sent: set[str], full: bool) -> dict:
        """The service's keyword arguments: every field of a full form, else only the fields sent."""
        values = {
            "status": self.status.data, "progress": self.progress.data, "score": self.score.stored,
            "started_on": self.started_on.data, "finished_on": self.finished_on.data,
            "rewatch_count": self.rewatch_count.data if self.rewatch_count.data is not None else 0,
            "notes": (self.notes.data or "").strip(), "is_favourite": self.is_favourite.data,
            "tags": [tag for tag in (self.tags.data or "").split(",")],
            "priority": int(self.priority.data) if self.priority.data else 0,
        }
        if self.progress.data is None:  # left empty: the progress stays (it is never "none")
            del values["progress"]
        if not full:
            return {name: value for name, value in values.items() if name in sent}
        if not self.status.data:
            del values["status"]
        return values


class WatchForm(FlaskForm):
    watched_on = DateField("Date", default=today, validators=[Optional(), _not_future])
    number = IntegerField("Episode", validators=[Optional(), NumberRange(1, MAX_PROGRESS)])
    score = ScoreField("Score")
    note = TextAreaField("Note", validators=[Length(max=2000, message="Use at most 2,000 characters.")],
                         render_kw={"rows": 2, "maxlength": 2000})

    def __init__(self, *args, scale: str, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.score.scale = scale


class ListQueryForm(FlaskForm):
    class Meta:
        csrf = False

    status = SelectField("Status", choices=[SelectChoice("", "All")] + [SelectChoice(s, _STATUS_TEXT[s]) for s in ENTRY_STATUSES],
                         default="")
    kind = SelectField("Kind", choices=[SelectChoice("", "All kinds")] + [SelectChoice(k, KIND_LABELS[k]) for k in KINDS],
                       default="")
    q = StringField("Filter by title", validators=[Optional(), Length(max=200)])
    tag = StringField("Tag", validators=[Optional(), Length(max=40)])
    # An unknown sort or direction (an old link, a typo) shows the usual order rather than an error.
    sort = SelectField("Sort by", choices=[SelectChoice(k, SORT_LABELS[k]) for k in LIST_SORTS], default="updated",
                       filters=[lambda value: value if value in LIST_SORTS else "updated"])
    dir = SelectField("Order", choices=[SelectChoice("", "Usual")] + [SelectChoice(k, v) for k, v in DIRECTIONS.items()],
                      default="", filters=[lambda value: value if value in DIRECTIONS else ""])
    favourites = BooleanField("Favourites only")
    page = IntegerField("Page", validators=[Optional(), NumberRange(1, 100_000)], default=1)
