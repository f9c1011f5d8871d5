"""Social forms: buttons that carry only a CSRF token and where to go back to."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import HiddenField


class ButtonForm(FlaskForm):
    next = HiddenField()
