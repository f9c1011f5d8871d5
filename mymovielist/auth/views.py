"""Register, log in and log out; inline validation of the registration form."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from mymovielist.auth import bp, devices, signup, throttle
from mymovielist.auth.access import safe_next
from mymovielist.auth.forms import LoginForm, RegisterForm
from mymovielist.auth.sessions import end_session, start_session
from mymovielist.extensions import db
from mymovielist.services import accounts, invites

LOGIN_FAILED = "That username or email and password do not match an account."
CHECKED_FIELDS = ("username", "email", "password", "confirm")
SIGNUP_CLOSED = "This server is not taking new accounts. If you know its administrator, ask them for one."


def _signup_closed():
    page = render_template("auth/notice.html", heading="Sign-up is closed", message=SIGNUP_CLOSED)
    return page, 403


@bp.route("/register", methods=["GET", "POST"])
@throttle.registrations
def register():
    """Create an account (consuming its invite when sign-up is by invitation) and log it in."""
    if current_user.is_authenticated:
        return redirect(url_for("discover.home"))
    if signup.is_closed():
        return _signup_closed()
    form = RegisterForm(invite=request.args.get("invite", ""))
    if form.validate_on_submit():
        try:
            user = accounts.register(form.username.data, form.email.data, form.password.data,
                                     time_zone=form.time_zone.data or "")
            if signup.needs_invite():  # in the account's transaction: both are kept, or neither
                invites.consume_invite(form.invite.data, user)
        except (accounts.AccountError, invites.InviteError) as error:
            db.session.rollback()
            form[error.field].errors = [error.message]
        else:
            db.session.commit()
            start_session(user, remember=False)
            flash(f"Welcome, {user.username}! Your account is ready.", "success")
            return redirect(safe_next(request.args.get("next")))
    return render_template("auth/register.html", form=form), 422 if form.errors else 200


@bp.post("/register/check")
@throttle.registration_checks
def check_registration():
    """Validate one registration field and return its feedback fragment (htmx inline validation)."""
    name = request.args.get("field", "")
    if name not in CHECKED_FIELDS:
        abort(400, description="Unknown field.")
    if signup.is_closed():
        return _signup_closed()
    form = RegisterForm()
    # Invite-only: without a usable invite, nothing is told about names or addresses in use.
    problem = invites.code_problem(form.invite.data) if signup.needs_invite() else None
    if problem:
        form[name].errors = [problem]
    else:
        form.check_field(name)
    return render_template("auth/_feedback.html", field=form[name])


@bp.route("/login", methods=["GET", "POST"])
@throttle.login_attempts
def login():
    """Log in with a username or email address and a password."""
    if current_user.is_authenticated:
        return redirect(safe_next(request.args.get("next")))
    form = LoginForm(next=request.args.get("next", ""))
    if form.validate_on_submit():
        user = accounts.authenticate(form.username.data, form.password.data)
        if user is not None:
            db.session.commit()
            start_session(user, remember=form.remember.data)
            response = redirect(safe_next(form.next.data))
            devices.remember(response, user.id)
            return response
        throttle.record_failure()
        form.form_errors.append(LOGIN_FAILED)
    return render_template("auth/login.html", form=form), 422 if form.errors else 200


@bp.post("/logout")
def logout():
    """Log out, ending every session of this account."""
    if current_user.is_authenticated:
        accounts.revoke_sessions(current_user._get_current_object())
        db.session.commit()
    end_session()
    flash("You are logged out.", "success")
    return redirect(url_for("discover.home"))
