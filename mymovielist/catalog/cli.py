"""`flask catalog ...`: load the demo catalog, print counts."""

from __future__ import annotations

import json
from pathlib import Path

import click

from mymovielist.catalog import bp
from mymovielist.extensions import db
from mymovielist.services import catalog, demo_catalog


@bp.cli.command("load-demo")
@click.option("--path", type=click.Path(exists=True, dir_okay=False, path_type=Path), help="A catalog.jsonl.gz file.")
@click.option("--if-empty", is_flag=True, help="Only load when the catalog has no titles yet.")
def load_demo(path: Path | None, if_empty: bool) -> None:
    """Load the bundled demo catalog (idempotent: loading twice changes nothing)."""
    if if_empty and sum(catalog.count_by_kind().values()):
        click.echo("The catalog already has titles; demo not loaded.")
        return
    outcomes = demo_catalog.load_demo(path)
    db.session.commit()
    click.echo(
        f"Demo catalog: {outcomes['created']} created, {outcomes['updated']} updated, "
        f"{outcomes['unchanged']} unchanged."
    )


@bp.cli.command("stats")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
def stats(as_json: bool) -> None:
    """Print the number of titles by kind."""
    counts = catalog.count_by_kind()
    if as_json:
        click.echo(json.dumps(counts))
    else:
        for kind, n in counts.items():
            click.echo(f"{kind:8} {n}")
