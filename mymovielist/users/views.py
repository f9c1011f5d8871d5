"""Profiles and settings: profile fields, preferences, password, account deletion."""

from __future__ import annotations

from collections.abc import Callable

from flask import abort, flash, redirect, render_template, url_for
from flask_login import current_user

from mymovielist.auth.access import login_required
from mymovielist.auth.sessions import end_session, restart_session
from mymovielist.extensions import db
from mymovielist.services import accounts, calendar, scores, visibility
from mymovielist.sharing.calendars import calendar_response
from mymovielist.users import bp
from mymovielist.users.forms import (
    CalendarForm,
    DeleteAccountForm,
    PasswordForm,
    PreferencesForm,
    ProfileForm,
    SettingsForm,
)


@bp.app_context_processor
def _account_context() -> dict:
    prefs = current_user.preferences if current_user.is_authenticated else None
    return {"current_theme": prefs.theme if prefs else "system"}


@bp.app_template_filter("score")
def _score_filter(score: int | None, scale: str | None = None) -> str:
    """`{{ entry.score|score }}`: a stored 0-100 score in the current user's scale (or the one given)."""
    return scores.format_score(score, scale or scores.user_scale(current_user))


@bp.get("/users/<username>")
def profile(username: str):
    """Show a user's profile; a private one shows only its name to people its owner has not approved."""
    user = accounts.get_user_by_username(username)
    if user is None:
        abort(404)
    return render_template(
        "users/profile.html",
        user=user,
        profile=user.profile,
        show_private=visibility.can_see(current_user, user),
    )


def _settings_page(status: int = 200, **submitted):
    """The settings page; a form that failed validation replaces its blank twin."""
    user = current_user._get_current_object()
    forms = {
        "profile_form": ProfileForm(formdata=None, obj=user.profile),
        "preferences_form": PreferencesForm(formdata=None, obj=user.preferences),
        "password_form": PasswordForm(formdata=None),
        "delete_form": DeleteAccountForm(formdata=None, username=user.username),
        "calendar_form": CalendarForm(formdata=None),
        "calendar_token": calendar.get_token(user),
    }
    forms.update(submitted)
    return render_template("users/settings.html", user=user, **forms), status


@bp.get("/settings")
@login_required
def settings():
    """Show the profile, preferences, password and delete-account forms."""
    return _settings_page()


def _save_settings(form: SettingsForm, form_name: str, save: Callable, message: str):
    """Validate a settings form and hand its values to a service, or show the page with its errors."""
    if not form.validate():
        return _settings_page(422, **{form_name: form})
    save(current_user._get_current_object(), **form.values())
    db.session.commit()
    flash(message, "success")
    return redirect(url_for("users.settings"))


@bp.post("/settings/profile")
@login_required
def update_profile():
    """Save the display name, bio, avatar and privacy."""
    return _save_settings(ProfileForm(), "profile_form", accounts.update_profile, "Your profile is saved.")


@bp.post("/settings/preferences")
@login_required
def update_preferences():
    """Save the score scale, kinds shown, adult content, theme, default list privacy, time zone and date format."""
    return _save_settings(
        PreferencesForm(), "preferences_form", accounts.update_preferences, "Your preferences are saved."
    )


@bp.post("/settings/password")
@login_required
def change_password():
    """Change the password; every other session of the account is logged out."""
    user = current_user._get_current_object()
    form = PasswordForm()
    if form.validate():
        try:
            accounts.change_password(user, form.current_password.data, form.new_password.data)
        except accounts.AccountError as error:
            form[error.field].errors = [error.message]
        else:
            db.session.commit()
            restart_session(user)
            flash("Your password is changed. Other devices have been logged out.", "success")
            return redirect(url_for("users.settings"))
    return _settings_page(422, password_form=form)


@bp.post("/settings/delete")
@login_required
def delete_account():
    """Delete the account and everything personal in it, then log out."""
    user = current_user._get_current_object()
    form = DeleteAccountForm(username=user.username)
    if form.validate():
        try:
            accounts.delete_account(user, form.password.data)
        except accounts.AccountError as error:
            form[error.field].errors = [error.message]
        else:
            db.session.commit()
            end_session()
            flash("Your account and its data are deleted.", "success")
            return redirect(url_for("discover.home"))
    return _settings_page(422, delete_form=form)


@bp.post("/settings/calendar")
@login_required
def rotate_calendar():
    """Make a new calendar link, replacing the old one, and show it this once."""
    if not CalendarForm().validate():
        abort(400)
    secret = calendar.rotate_token(current_user._get_current_object())
    db.session.commit()
    return _settings_page(201, calendar_url=url_for("users.calendar_feed", token=secret, _external=True))


@bp.post("/settings/calendar/revoke")
@login_required
def revoke_calendar():
    """Remove the calendar link: apps subscribed to it get nothing more."""
    if not CalendarForm().validate():
        abort(400)
    removed = calendar.revoke_token(current_user._get_current_object())
    db.session.commit()
    flash("Your calendar link is removed." if removed else "You had no calendar link.", "success")
    return redirect(url_for("users.settings") + "#calendar")


@bp.get("/calendar/<token>.ics")
def calendar_feed(token: str):
    """Serve the upcoming releases of what the link's owner tracks; an unknown or replaced link is 404."""
    user = calendar.find_user(token)
    if user is None:
        abort(404)
    return calendar_response(user)
