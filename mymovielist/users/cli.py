"""`flask users create-admin`: the way the first admin account comes to be."""

from __future__ import annotations

import sys

import click

from mymovielist.extensions import db
from mymovielist.services import accounts
from mymovielist.users import bp


@bp.cli.command("create-admin")
@click.argument("username")
@click.option("--email", help="Email address of a new account (prompted for when missing).")
@click.option(
    "--password-stdin", is_flag=True, help="Read the password from the first line of standard input."
)
def create_admin(username: str, email: str | None, password_stdin: bool) -> None:
    """Create an admin account USERNAME, or make the existing user USERNAME an admin."""
    password = None
    if accounts.get_user_by_username(username) is None:
        email = email or click.prompt("Email")
        if password_stdin:
            password = sys.stdin.readline().rstrip("\r\n")
        else:
            password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    try:
        user, created = accounts.make_admin(username, email, password)
    except accounts.AccountError as error:
        raise click.ClickException(error.message) from None
    db.session.commit()
    click.echo(f"{'Created admin' if created else 'Made admin'}: {user.username}")
