"""Account forms: register, log in, and reset a password. Rules live in services; these forms only call them."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, HiddenField, PasswordField, StringField
from wtforms.validators import DataRequired, EqualTo, InputRequired, Length, ValidationError

from mymovielist.auth import signup
from mymovielist.models import User
from mymovielist.services import accounts, invites, passwords

# Generous caps that keep a hostile request from making us hash megabytes.
MAX_PASSWORD_INPUT = 1024


def _new_password(label: str, missing: str) -> PasswordField:
    return PasswordField(label, validators=[InputRequired(missing), Length(max=MAX_PASSWORD_INPUT)],
                         render_kw={"autocomplete": "new-password"})


def _confirmation(label: str, missing: str) -> PasswordField:
    """The second copy of the `password` field, which must match it."""
    return PasswordField(label, validators=[InputRequired(missing), EqualTo("password", "The passwords do not match.")],
                         render_kw={"autocomplete": "new-password"})


class RegisterForm(FlaskForm):
    username = StringField(
        "Username",
        validators=[DataRequired("Choose a username."), Length(max=32, message="Use at most 32 characters.")],
        render_kw={"autocomplete": "username", "maxlength": 32, "autocapitalize": "none"},
    )
    email = EmailField(
        "Email",
        validators=[DataRequired("Enter your email address."), Length(max=254)],
        render_kw={"autocomplete": "email", "maxlength": 254},
    )
    password = _new_password("Password", "Choose a password.")
    confirm = _confirmation("Confirm password", "Type the password again.")
    # Read only when REGISTRATION is "invite"; an invite link fills it in.
    invite = StringField(
        "Invite code",
        validators=[Length(max=invites.MAX_CODE, message=invites.INVALID)],
        render_kw={"autocomplete": "off", "autocapitalize": "none", "spellcheck": "false"},
    )
    # app.js fills in the browser's IANA zone; without JavaScript it stays empty and the account starts in UTC.
    time_zone = HiddenField(render_kw={"data-browser-zone": ""})  # accounts.register drops an unknown name

    def validate_invite(self, field: StringField) -> None:
        problem = invites.code_problem(field.data) if signup.needs_invite() else None
        if problem:
            raise ValidationError(problem)

    def validate_username(self, field: StringField) -> None:
        problem = accounts.username_problem(field.data.strip())
        if problem:
            raise ValidationError(problem)

    def validate_email(self, field: EmailField) -> None:
        problem = accounts.email_problem(field.data)
        if problem:
            raise ValidationError(problem)

    def validate_password(self, field: PasswordField) -> None:
        problems = passwords.password_problems(
            field.data, username=(self.username.data or "").strip(), email=self.email.data or ""
        )
        if problems:
            raise ValidationError(problems[0])

    def check_field(self, name: str) -> list[str]:
        """Validate one field the way `validate()` would; used for inline validation."""
        field = self[name]
        inline = getattr(self, f"validate_{name}", None)
        field.validate(self, [lambda form, f: inline(f)] if inline else [])
        return list(field.errors)


class LoginForm(FlaskForm):
    username = StringField(
        "Username or email",
        validators=[DataRequired("Enter your username or email address."), Length(max=254)],
        render_kw={"autocomplete": "username", "autocapitalize": "none"},
    )
    password = PasswordField(
        "Password",
        validators=[InputRequired("Enter your password."), Length(max=MAX_PASSWORD_INPUT)],
        render_kw={"autocomplete": "current-password"},
    )
    remember = BooleanField("Keep me logged in on this device")
    next = HiddenField()


class ResetRequestForm(FlaskForm):
    email = EmailField(
        "Email",
        validators=[DataRequired("Enter your email address."), Length(max=254)],
        render_kw={"autocomplete": "email", "maxlength": 254},
    )

    def validate_email(self, field: EmailField) -> None:
        # Only the form of the address: whether an account uses it is never told.
        if not accounts.EMAIL_RE.match(accounts.normalize_email(field.data)):
            raise ValidationError("Enter an email address like name@example.org.")


class ResetPasswordForm(FlaskForm):
    password = _new_password("New password", "Choose a new password.")
    confirm = _confirmation("Confirm new password", "Type the new password again.")

    def __init__(self, user: User, **kwargs) -> None:
        super().__init__(**kwargs)
        self.user = user

    def validate_password(self, field: PasswordField) -> None:
        problems = passwords.password_problems(field.data, username=self.user.username, email=self.user.email)
        if problems:
            raise ValidationError(problems[0])
