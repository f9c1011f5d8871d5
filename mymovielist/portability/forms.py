"""The import upload and the pick of a title for an unmatched row."""

from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import IntegerField, RadioField, SelectChoice
from wtforms.validators import DataRequired

from mymovielist.ids import id_range
from mymovielist.services.imports import MODE_LABELS, SOURCE_LABELS


class ImportForm(FlaskForm):
    source = RadioField(
        "Where the file comes from",
        choices=[SelectChoice(k, v) for k, v in SOURCE_LABELS.items()],
        validators=[DataRequired("Choose where the file comes from.")],
    )
    mode = RadioField(
        "Titles already on your list",
        choices=[SelectChoice(k, v) for k, v in MODE_LABELS.items()],
        default="only_new",
        validators=[DataRequired("Choose what happens to titles already on your list.")],
    )
    file = FileField("Export file", validators=[FileRequired("Choose the file to import.")])


class ResolveForm(FlaskForm):
    title_id = IntegerField("Title", validators=[DataRequired("Pick a title."), id_range()])
