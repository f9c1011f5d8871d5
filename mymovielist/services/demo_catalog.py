"""The bundled demo catalog: real titles, loaded through the same upsert as a provider sync."""

from __future__ import annotations

import gzip
import json
from collections import Counter
from collections.abc import Iterator
from importlib import resources
from pathlib import Path

from mymovielist.services import cache_keys
from mymovielist.sync.records import TitleRecord
from mymovielist.sync.service import store_record
from mymovielist.sync.upsert import CatalogWriter


def default_path() -> Path:
    return Path(str(resources.files("mymovielist.demo").joinpath("catalog.jsonl.gz")))


def read_records(path: Path) -> Iterator[TitleRecord]:
    with gzip.open(path, "rt", encoding="utf-8") as f:
        for line in f:
            if line.strip():
                yield TitleRecord.from_dict(json.loads(line))


def load_demo(path: Path | None = None) -> Counter[str]:
    """Store every demo record as a sync would; returns counts of created/updated/unchanged. Flushes only.

    The same work from two providers (Fullmetal Alchemist: Brotherhood at TMDB and at MyAnimeList)
    becomes one title with both ids, by the sync's own matching rule.
    """
    writer = CatalogWriter(source="demo")
    outcomes: Counter[str] = Counter()
    for record in read_records(path or default_path()):
        outcomes[store_record(record, writer).outcome] += 1
    cache_keys.catalog_changed()
    return outcomes
