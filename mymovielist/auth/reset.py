"""Forgotten passwords: ask for a reset link by email, then set a new password through it."""

from __future__ import annotations

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.routing import MapAdapter

from mymovielist.auth import bp, throttle
from mymovielist.auth.forms import ResetPasswordForm, ResetRequestForm
from mymovielist.auth.sessions import end_session
from mymovielist.extensions import db
from mymovielist.services import accounts, mail, password_resets

SUBJECT = "Reset your MyMovieList password"
SENT = ("If an account uses that address, we have sent it a link to set a new password. "
        "It can be used once, within {minutes} minutes. Check your spam folder if it does not arrive.")


@bp.route("/reset", methods=["GET", "POST"])
@throttle.password_resets
def request_reset():
    """Email a reset link to the account using the address given; the answer never says whether one does."""
    if not mail.is_configured():
        return render_template("auth/reset_request.html", form=None)
    form = ResetRequestForm()
    if form.validate_on_submit():
        # Even the lookup happens on a mail thread: known and unknown addresses take as long here.
        mail.in_background(send_link, current_app.create_url_adapter(request), form.email.data)
        return render_template("auth/notice.html", heading="Check your email", message=SENT.format(minutes=_minutes()))
    return render_template("auth/reset_request.html", form=form), 422 if form.errors else 200


@bp.route("/reset/<token>", methods=["GET", "POST"])
def reset_password(token: str):
    """Set a new password through a reset link; every session of the account ends."""
    try:
        user = password_resets.check_token(token)
    except password_resets.ResetError as error:
        page = render_template("auth/notice.html", heading="This link cannot be used", message=error.message,
                               reset_again=mail.is_configured())
        return page, error.status
    form = ResetPasswordForm(user)
    if form.validate_on_submit():
        try:
            password_resets.reset_password(user, form.password.data)
        except accounts.AccountError as error:
            form[error.field].errors = [error.message]
        else:
            db.session.commit()
            if current_user.is_authenticated:
                end_session()
            flash("Your password is changed, and every session of your account is logged out. "
                  "Log in with the new password.", "success")
            return redirect(url_for("auth.login"))
    return render_template("auth/reset_password.html", form=form, token=token), 422 if form.errors else 200


def send_link(links: MapAdapter, address: str) -> None:
    """Email a reset link to the active account using `address`, if there is one (on a mail thread).

    `links` is the request's URL adapter: url_for's own, so the link has the host and scheme the
    request came with (SERVER_NAME, or the proxy's X-Forwarded-* headers with TRUSTED_PROXIES).
    """
    user = password_resets.user_for_reset(address)
    if user is None:
        return
    link = links.build("auth.reset_password", {"token": password_resets.make_token(user)}, force_external=True)
    # No request here, so none of the page context processors: the bare template.
    body = current_app.jinja_env.get_template("auth/reset_email.txt").render(user=user, link=link, minutes=_minutes())
    mail.send(user.email, SUBJECT, body)


def _minutes() -> int:
    return max(1, current_app.config["PASSWORD_RESET_MAX_AGE"] // 60)
