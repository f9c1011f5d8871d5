"""Settings > API tokens: create a personal access token (shown once), list and revoke them."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import RadioField, SelectChoice, StringField
from wtforms.validators import InputRequired, Length

from mymovielist.auth.access import login_required
from mymovielist.extensions import db
from mymovielist.services import api_tokens

bp = Blueprint("api_tokens", __name__)


class TokenForm(FlaskForm):
    name = StringField("Name", validators=[InputRequired("Give the token a name."),
                                           Length(max=api_tokens.MAX_NAME, message="Use at most 64 characters.")],
                       render_kw={"maxlength": api_tokens.MAX_NAME, "autocomplete": "off"})
    scope = RadioField("Access", default="read", choices=[
        SelectChoice("read", "Read: your list, including private entries"),
        SelectChoice("read-write", "Read and write: also change entries and ratings"),
    ])


class RevokeForm(FlaskForm):
    pass


def _page(form: TokenForm | None = None, secret: str | None = None, status: int = 200):
    user = current_user._get_current_object()
    return render_template("users/tokens.html", form=form or TokenForm(formdata=None), revoke_form=RevokeForm(),
                           tokens=api_tokens.list_tokens(user), secret=secret), status


@bp.get("/settings/tokens")
@login_required
def list_tokens():
    """Show the user's tokens and the form that makes one."""
    return _page()


@bp.post("/settings/tokens")
@login_required
def create_token():
    """Make a token and show its secret, this once."""
    form = TokenForm()
    if not form.validate():
        return _page(form, status=422)
    try:
        _, secret = api_tokens.create_token(current_user._get_current_object(), form.name.data, form.scope.data)
    except api_tokens.TokenError as error:
        form[error.field].errors = [error.message]
        return _page(form, status=422)
    db.session.commit()
    return _page(secret=secret, status=201)


@bp.post("/settings/tokens/<int:token_id>/revoke")
@login_required
def revoke_token(token_id: int):
    """Revoke a token: requests carrying it are refused from now on."""
    if not RevokeForm().validate():
        abort(400)
    token = api_tokens.revoke_token(current_user._get_current_object(), token_id)
    if token is None:
        abort(404)
    db.session.commit()
    flash(f"The token “{token.name}” is revoked.", "success")
    return redirect(url_for("api_tokens.list_tokens"))
