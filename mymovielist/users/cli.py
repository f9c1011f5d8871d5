"""`flask users create-admin` and `flask users reset-password`: account chores from the server's shell."""

from __future__ import annotations

import sys

import click

from mymovielist.extensions import db
from mymovielist.services import accounts, password_resets
from mymovielist.users import bp

PASSWORD_STDIN = click.option(
    "--password-stdin", is_flag=True, help="Read the password from the first line of standard input."
)


def _read_password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    return click.prompt("Password", hide_input=True, confirmation_prompt=True)


@bp.cli.command("create-admin")
@click.argument("username")
@click.option("--email", help="Email address of a new account (prompted for when missing).")
@PASSWORD_STDIN
def create_admin(username: str, email: str | None, password_stdin: bool) -> None:
    """Create an admin account USERNAME, or make the existing user USERNAME an admin."""
    password = None
    if accounts.get_user_by_username(username) is None:
        email = email or click.prompt("Email")
        password = _read_password(password_stdin)
    try:
        user, created = accounts.make_admin(username, email, password)
    except accounts.AccountError as error:
        raise click.ClickException(error.message) from None
    db.session.commit()
    click.echo(f"{'Created admin' if created else 'Made admin'}: {user.username}")


@bp.cli.command("reset-password")
@click.argument("username")
@PASSWORD_STDIN
def reset_password(username: str, password_stdin: bool) -> None:
    """Set a new password for USERNAME and log out all its sessions (for a server without mail)."""
    user = accounts.get_user_by_username(username)
    if user is None:
        raise click.ClickException(f"There is no user named {username}.")
    try:
        password_resets.reset_password(user, _read_password(password_stdin))
    except accounts.AccountError as error:
        raise click.ClickException(error.message) from None
    db.session.commit()
    click.echo(f"New password set for {user.username}; every session of the account is logged out.")
