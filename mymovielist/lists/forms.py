"""Custom list forms: the list itself, adding a title, moving an item."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    HiddenField,
    IntegerField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import InputRequired, Length, Optional
from wtforms.widgets import HiddenInput

from mymovielist.ids import id_range
from mymovielist.services.lists import MAX_DESCRIPTION, MAX_NAME, MAX_NOTE


class ListForm(FlaskForm):
    name = StringField("Name", validators=[InputRequired("Give the list a name."),
                                           Length(max=MAX_NAME, message=f"Keep the name under {MAX_NAME} characters.")],
                       render_kw={"maxlength": MAX_NAME})
    description = TextAreaField(
        "Description", validators=[Optional(), Length(max=MAX_DESCRIPTION,
                                                      message=f"Keep the description under {MAX_DESCRIPTION:,} characters.")],
        render_kw={"rows": 4, "maxlength": MAX_DESCRIPTION})
    is_public = BooleanField("Public: anyone can see this list")
    is_ranked = BooleanField("Ranked: number the titles in order")
    title_id = IntegerField(widget=HiddenInput(), validators=[Optional(), id_range()])


class AddItemForm(FlaskForm):
    title_id = IntegerField("Title", widget=HiddenInput(),
                            validators=[InputRequired("Choose a title to add."), id_range("Unknown title.")])
    note = StringField("Note", validators=[Optional(), Length(max=MAX_NOTE, message=f"Keep the note under {MAX_NOTE} characters.")])
    next = HiddenField()


class MoveForm(FlaskForm):
    direction = SelectField("Direction", choices=[SelectChoice("up", "Up"), SelectChoice("down", "Down")],
                            validators=[InputRequired("Move an item up or down.")])


class ActionForm(FlaskForm):
    """A button that only needs its CSRF token (remove, delete)."""

    next = HiddenField()
