"""/admin/invites: single-use sign-up invites (for REGISTRATION = "invite"): create, list, revoke."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import IntegerField, StringField
from wtforms.validators import Length, NumberRange, Optional

from mymovielist.admin import bp
from mymovielist.auth import signup
from mymovielist.auth.access import admin_required
from mymovielist.extensions import db
from mymovielist.models import utcnow
from mymovielist.services import invites


class InviteForm(FlaskForm):
    note = StringField("Note", validators=[Length(max=invites.MAX_NOTE, message="Use at most 200 characters.")],
                       render_kw={"maxlength": invites.MAX_NOTE, "autocomplete": "off"})
    days = IntegerField("Expires after (days)", validators=[
        Optional(), NumberRange(1, invites.MAX_DAYS, f"Choose between 1 and {invites.MAX_DAYS} days.")],
        render_kw={"min": 1, "max": invites.MAX_DAYS, "inputmode": "numeric"})


class RevokeForm(FlaskForm):
    pass


def _page(form: InviteForm | None = None, link: str | None = None, status: int = 200):
    return render_template("admin/invites.html", form=form or InviteForm(formdata=None), revoke_form=RevokeForm(),
                           invites=invites.list_invites(), link=link, mode=signup.mode(), now=utcnow()), status


@bp.get("/invites")
@admin_required
def list_invites():
    """Show every invite with its status, and the form that makes one."""
    return _page()


@bp.post("/invites")
@admin_required
def create_invite():
    """Make an invite and show its link, this once (only a hash of the code is kept)."""
    form = InviteForm()
    if not form.validate():
        return _page(form, status=422)
    try:
        _, code = invites.create_invite(current_user._get_current_object(), form.note.data, form.days.data)
    except invites.InviteError as error:
        form[error.field].errors = [error.message]
        return _page(form, status=422)
    db.session.commit()
    return _page(link=url_for("auth.register", invite=code, _external=True), status=201)


@bp.post("/invites/<int:invite_id>/revoke")
@admin_required
def revoke_invite(invite_id: int):
    """Revoke an unused invite: its link no longer signs anyone up."""
    if not RevokeForm().validate():
        abort(400)
    if invites.revoke_invite(invite_id) is None:
        abort(404)
    db.session.commit()
    flash("The invite is revoked.", "success")
    return redirect(url_for("admin.list_invites"))
