"""The `mymovielist` command: the Flask CLI with this app preset (`flask --app mymovielist`)."""

from __future__ import annotations

from flask.cli import FlaskGroup

from mymovielist import create_app


def main() -> None:
    """Run `mymovielist db upgrade`, `mymovielist run`, `mymovielist jobs run`... like `flask` would."""
    FlaskGroup(create_app=create_app, help="MyMovieList: the Flask command line with the app preset.").main(
        prog_name="mymovielist"
    )


if __name__ == "__main__":
    main()
