"""The review form."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, TextAreaField
from wtforms.validators import InputRequired, Length

from mymovielist.services.reviews import MAX_BODY


class ReviewForm(FlaskForm):
    body = TextAreaField(
        "Your review",
        validators=[InputRequired("Write something before posting your review."),
                    Length(max=MAX_BODY, message=f"Keep your review under {MAX_BODY:,} characters.")],
        render_kw={"rows": 6, "maxlength": MAX_BODY},
        description="Markdown works: *italic*, **bold**, [links](https://example.org), lists and quotes.",
    )
    spoiler = BooleanField("Contains spoilers (hidden until a reader opens it)")


def first_error(form: FlaskForm) -> str:
    """The first validation message of the form, for a toast or a flash."""
    for errors in form.errors.values():
        if errors:
            return str(errors[0])
    return "Check the form and try again."
