"""Settings forms: profile, preferences, password, account deletion."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    PasswordField,
    RadioField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import EqualTo, InputRequired, Length, Optional, Regexp, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from mymovielist import localization
from mymovielist.auth.forms import MAX_PASSWORD_INPUT
from mymovielist.models.users import SCORE_SCALES, THEMES
from mymovielist.services.scores import SCALE_LABELS
from mymovielist.templating import NAV_KINDS

THEME_LABELS = {"system": "Follow my device", "light": "Light", "dark": "Dark"}


def _zone_label(name: str) -> str:
    """An option's label: "Auckland (Pacific)", the city first so that typing it in the closed select finds it."""
    region, _, place = name.partition("/")
    return f"{place.replace('_', ' ').replace('/', ', ')} ({region})"


class SettingsForm(FlaskForm):
    def values(self) -> dict:
        """The submitted values by field name, as keyword arguments for the service that saves them."""
        return {name: value for name, value in self.data.items() if name != "csrf_token"}


class ProfileForm(SettingsForm):
    display_name = StringField(
        "Display name",
        validators=[Length(max=64, message="Use at most 64 characters.")],
        render_kw={"maxlength": 64, "autocomplete": "nickname"},
    )
    bio = TextAreaField(
        "Bio",
        validators=[Length(max=2000, message="Use at most 2,000 characters.")],
        render_kw={"rows": 5, "maxlength": 2000},
    )
    avatar_url = StringField(
        "Avatar image address",
        validators=[
            Optional(),
            Length(max=500, message="Use at most 500 characters."),
            Regexp(r"^https://[^\s\"'<>]+$", message="Use an https:// address of an image."),
        ],
        render_kw={"inputmode": "url", "placeholder": "https://…"},
    )
    is_private = BooleanField(
        "Private profile: only I and the followers I approve see my bio, lists, stats, activity and reviews"
    )


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class PreferencesForm(SettingsForm):
    score_scale = RadioField(
        "Score scale",
        choices=[SelectChoice(s, SCALE_LABELS[s]) for s in SCORE_SCALES],
        validators=[InputRequired("Choose a score scale.")],
    )
    kinds_shown = MultiCheckboxField(
        "Kinds of titles shown", choices=[SelectChoice(k, label) for k, label in NAV_KINDS]
    )
    show_adult = BooleanField("Show adult content")
    theme = RadioField(
        "Theme",
        choices=[SelectChoice(t, THEME_LABELS[t]) for t in THEMES],
        validators=[InputRequired("Choose a theme.")],
    )
    lists_public_by_default = BooleanField("New lists are public")
    # Not limited to the listed choices: any IANA name a browser sends (Asia/Calcutta, US/Pacific) is a zone.
    time_zone = SelectField("Time zone", default="", validate_choice=False, render_kw={"data-browser-zone": ""})
    locale = SelectField(
        "Date format",
        default="",
        validate_choice=False,  # validate_locale says what is wrong instead of "Not a valid choice"
        choices=[SelectChoice("", "Like my browser's language")]
        + [SelectChoice(code, name) for code, name in localization.LOCALES.items()],
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        groups: dict[str, list[SelectChoice]] = {"": [SelectChoice("", "Not chosen (UTC)"), SelectChoice("UTC", "UTC")]}
        groups.update({region: [SelectChoice(name, _zone_label(name)) for name in names]
                       for region, names in localization.zone_groups()})
        chosen = self.time_zone.data or ""
        if localization.is_zone(chosen) and all(chosen != c.value for names in groups.values() for c in names):
            groups["Other"] = [SelectChoice(chosen, chosen)]  # a valid name the list leaves out stays selected
        self.time_zone.choices = groups

    def validate_kinds_shown(self, field: MultiCheckboxField) -> None:
        if not field.data:
            raise ValidationError("Show at least one kind of title.")

    def validate_time_zone(self, field: SelectField) -> None:
        if field.data and not localization.is_zone(field.data):
            raise ValidationError("Choose a time zone from the list, such as Europe/Paris.")

    def validate_locale(self, field: SelectField) -> None:
        if field.data and field.data not in localization.LOCALES:
            raise ValidationError("Choose one of the date formats.")


class PasswordForm(FlaskForm):
    current_password = PasswordField(
        "Current password",
        validators=[InputRequired("Enter your current password."), Length(max=MAX_PASSWORD_INPUT)],
        render_kw={"autocomplete": "current-password"},
    )
    new_password = PasswordField(
        "New password",
        validators=[InputRequired("Choose a new password."), Length(max=MAX_PASSWORD_INPUT)],
        render_kw={"autocomplete": "new-password"},
    )
    new_confirm = PasswordField(
        "Confirm new password",
        validators=[
            InputRequired("Type the new password again."),
            EqualTo("new_password", "The passwords do not match."),
        ],
        render_kw={"autocomplete": "new-password"},
    )


class DeleteAccountForm(FlaskForm):
    confirm_username = StringField(
        "Type your username to confirm",
        validators=[InputRequired("Type your username.")],
        render_kw={"autocomplete": "off", "autocapitalize": "none"},
    )
    password = PasswordField(
        "Your password",
        validators=[InputRequired("Enter your password."), Length(max=MAX_PASSWORD_INPUT)],
        render_kw={"autocomplete": "current-password"},
    )

    def __init__(self, *args, username: str = "", **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.expected_username = username

    def validate_confirm_username(self, field: StringField) -> None:
        if field.data.strip() != self.expected_username:
            raise ValidationError("That is not your username.")


class CalendarForm(FlaskForm):
    """Make, replace or remove the calendar link: a button and its CSRF token."""
