"""Write TitleRecords into the catalog: idempotent upserts keyed by external ids, with revisions.

Rules (../DESIGN): a title is found by any of its external ids; locked fields are never
overwritten; a value the source does not know (None) never erases one we have; every change
writes a TitleRevision; running the same records again changes nothing. Functions flush, the
caller commits.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import and_, or_, select, tuple_, update

from mymovielist.extensions import db
from mymovielist.models import (
    KIND_MODELS,
    Character,
    CharacterVoice,
    Credit,
    Episode,
    ExternalId,
    Genre,
    Person,
    Season,
    Series,
    Title,
    TitleCharacter,
    TitleRelation,
    TitleRevision,
    utcnow,
)
from mymovielist.sync.records import (
    CharacterRecord,
    CreditRecord,
    ExternalRef,
    PersonRecord,
    TitleRecord,
)

# Columns of `titles` a record may set (everything else is ours: scores, popularity of our users...).
TITLE_FIELDS = (
    "title", "original_title", "alt_titles", "synopsis", "release_date", "end_date", "year", "status",
    "poster_url", "backdrop_url", "language", "age_rating", "adult", "provider_score",
    "provider_votes", "popularity",
)
DETAIL_FIELDS = {
    "movie": ("runtime_minutes", "tagline", "collection", "budget", "revenue"),
    "series": ("networks", "season_count", "episode_count", "episode_minutes"),
    "anime": ("format", "episode_count", "episode_minutes", "studios", "source", "season", "season_year"),
    "comic": ("format", "publisher", "volume_count", "issue_count"),
}


class UpsertError(ValueError):
    """A record cannot be stored as it is (e.g. its ids point at a title of another kind)."""


@dataclass
class UpsertResult:
    title: Title
    outcome: str  # created | updated | unchanged
    changes: dict[str, list[Any]] = field(default_factory=dict)
    # A person or character it names took the provider's new name or picture: shared rows, so no
    # revision of this title, but pages that show them changed.
    renamed_shared: bool = False


def slugify(text: str, max_length: int = 80) -> str:
    """ASCII, lowercase, dash-separated; empty input gives "title"."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    return slug[:max_length].rstrip("-") or "title"


class CatalogWriter:
    """Upserts records in one session, caching genre and people look-ups across records."""

    def __init__(self, *, source: str = "provider", provider: str | None = None) -> None:
        self.source = source
        self.provider = provider
        self._genres: dict[str, Genre] = {}
        self._people: dict[tuple[str | None, str], Person] = {}
        self._characters: dict[tuple[str | None, str], Character] = {}
        self._renamed_shared = False

    def upsert(self, record: TitleRecord, *, into: Title | None = None) -> UpsertResult:
        """Create or update the title the record describes (or `into`, a title matched otherwise)."""
        title = into if into is not None else self._find_title(record.refs)
        created = title is None
        if title is None:
            title = KIND_MODELS[record.kind](
                kind=record.kind, title=record.title, slug=slugify(record.title), alt_titles=[], locked_fields=[]
            )
            db.session.add(title)
        elif title.kind != record.kind:
            raise UpsertError(
                f"{record.refs[0].provider}:{record.refs[0].kind}:{record.refs[0].value} is a "
                f"{title.kind} here but the record says {record.kind}"
            )
        changes: dict[str, list[Any]] = {}
        self._apply_fields(title, record, changes)
        self._apply_refs(title, record.refs, changes)
        if record.genres:
            self._apply_genres(title, record.genres, changes)
        if created:
            db.session.flush()  # an id for the child rows below
        if record.credits:
            self._apply_credits(title, record.credits, changes)
        if record.characters:
            self._apply_characters(title, record.characters, changes)
        if record.relations:
            self._apply_relations(title, record, changes)
        if record.seasons and isinstance(title, Series):
            self._apply_seasons(title, record, changes)
        if record.episodes:
            self._apply_episodes(title, record, changes)
        if created:
            self._link_incoming_relations(title, record.refs)
        if changes:
            title.synced_at = utcnow()
            db.session.add(
                TitleRevision(
                    title=title,
                    source=self.source,
                    provider=self.provider or record.refs[0].provider,
                    changes=changes,
                )
            )
        db.session.flush()
        outcome = "created" if created else ("updated" if changes else "unchanged")
        renamed, self._renamed_shared = self._renamed_shared, False
        return UpsertResult(title=title, outcome=outcome, changes=changes, renamed_shared=renamed)

    # -- identity ---------------------------------------------------------------------------

    def _find_title(self, refs: list[ExternalRef]) -> Title | None:
        keys = [(r.provider, r.kind, r.value) for r in refs]
        stmt = (
            select(Title)
            .join(ExternalId)
            .where(tuple_(ExternalId.provider, ExternalId.kind, ExternalId.value).in_(keys))
            .order_by(Title.id)
            .limit(1)
        )
        return db.session.scalars(stmt).first()

    def _apply_refs(self, title: Title, refs: list[ExternalRef], changes: dict) -> None:
        have = {(e.provider, e.kind): e for e in title.external_ids}
        for ref in refs:
            existing = have.get((ref.provider, ref.kind))
            if existing is None:
                title.external_ids.append(
                    ExternalId(provider=ref.provider, kind=ref.kind, value=ref.value, url=ref.url)
                )
                changes.setdefault("external_ids", [None, []])[1].append(f"{ref.provider}:{ref.kind}:{ref.value}")
            elif ref.url and existing.url != ref.url and existing.value == ref.value:
                existing.url = ref.url

    # -- scalar fields ----------------------------------------------------------------------

    def _apply_fields(self, title: Title, record: TitleRecord, changes: dict) -> None:
        locked = set(title.locked_fields or ())
        values = {name: getattr(record, name) for name in TITLE_FIELDS}
        values.update({k: v for k, v in record.details.items() if k in DETAIL_FIELDS[record.kind]})
        for name, new in values.items():
            if name in locked or new is None or new == "" or new == []:
                continue
            old = getattr(title, name)
            if _normalized(old) != _normalized(new):
                setattr(title, name, new)
                changes[name] = [_jsonable(old), _jsonable(new)]
        if "title" in changes and "slug" not in locked:
            title.slug = slugify(title.title)

    # -- genres, people, characters ---------------------------------------------------------

    def _genre(self, name: str) -> Genre:
        slug = slugify(name)
        genre = self._genres.get(slug)
        if genre is None:
            genre = db.session.scalars(select(Genre).where(Genre.slug == slug)).first()
            if genre is None:
                genre = Genre(name=name.strip(), slug=slug)
                db.session.add(genre)
            self._genres[slug] = genre
        return genre

    def _apply_genres(self, title: Title, names: list[str], changes: dict) -> None:
        if "genres" in (title.locked_fields or ()):
            return
        wanted: list[Genre] = []
        for name in names:
            genre = self._genre(name)
            if genre not in wanted:
                wanted.append(genre)
        old = sorted(g.slug for g in title.genres)
        new = sorted(g.slug for g in wanted)
        if old != new:
            title.genres = wanted
            changes["genres"] = [old, new]

    def _person(self, record: PersonRecord) -> Person:
        provider = record.ref.provider if record.ref else None
        key = (provider, record.ref.value if record.ref else record.name)
        person = self._people.get(key)
        if person is None:
            if record.ref:
                stmt = select(Person).where(Person.provider == provider, Person.external_id == record.ref.value)
            else:
                stmt = select(Person).where(Person.provider.is_(None), Person.name == record.name)
            person = db.session.scalars(stmt.limit(1)).first()
            if person is None:
                person = Person(
                    name=record.name,
                    image_url=record.image_url,
                    provider=provider,
                    external_id=record.ref.value if record.ref else None,
                )
                db.session.add(person)
            self._people[key] = person
        self._renamed_shared |= _refresh_identity(person, record)
        return person

    def _character(self, record: CharacterRecord) -> Character:
        provider = record.ref.provider if record.ref else None
        key = (provider, record.ref.value if record.ref else record.name)
        character = self._characters.get(key)
        if character is None:
            if record.ref:
                stmt = select(Character).where(
                    Character.provider == provider, Character.external_id == record.ref.value
                )
            else:
                stmt = select(Character).where(Character.provider.is_(None), Character.name == record.name)
            character = db.session.scalars(stmt.limit(1)).first()
            if character is None:
                character = Character(
                    name=record.name,
                    image_url=record.image_url,
                    provider=provider,
                    external_id=record.ref.value if record.ref else None,
                )
                db.session.add(character)
            self._characters[key] = character
        self._renamed_shared |= _refresh_identity(character, record)
        return character

    def _apply_credits(self, title: Title, credits: list[CreditRecord], changes: dict) -> None:
        if "credits" in (title.locked_fields or ()):
            return
        new_rows: list[tuple[Person, CreditRecord]] = []
        seen: set[tuple] = set()
        for c in credits:
            person = self._person(c.person)
            key = (id(person), c.role, c.job, c.character)
            if key in seen:  # providers repeat a person in one role; our key is unique
                continue
            seen.add(key)
            new_rows.append((person, c))
        old_sig = [_credit_sig(cr.person, cr.role, cr.character, cr.job, cr.order) for cr in title.credits]
        new_sig = [_credit_sig(p, c.role, c.character, c.job, c.order) for p, c in new_rows]
        if sorted(old_sig) == sorted(new_sig):
            return
        title.credits.clear()
        db.session.flush()
        for person, c in new_rows:
            title.credits.append(
                Credit(person=person, role=c.role, character=c.character, job=c.job,
                       department=c.department, order=c.order)
            )
        changes["credits"] = [len(old_sig), len(new_sig)]

    def _apply_characters(self, title: Title, characters: list[CharacterRecord], changes: dict) -> None:
        if "characters" in (title.locked_fields or ()):
            return
        rows = []
        seen: set[int] = set()
        for c in characters:
            character = self._character(c)
            if id(character) in seen:
                continue
            seen.add(id(character))
            voices = []
            voice_keys: set[tuple] = set()
            for v in c.voices:
                person = self._person(v.person)
                if (id(person), v.language) not in voice_keys:
                    voice_keys.add((id(person), v.language))
                    voices.append((person, v.language))
            rows.append((character, c, voices))
        old_sig = sorted(
            (_ident(tc.character), tc.role, tc.order, tuple(sorted((_ident(v.person), v.language) for v in tc.voices)))
            for tc in title.characters
        )
        new_sig = sorted(
            (_ident(ch), c.role, c.order, tuple(sorted((_ident(p), lang) for p, lang in voices)))
            for ch, c, voices in rows
        )
        if old_sig == new_sig:
            return
        title.characters.clear()
        db.session.flush()
        for character, c, voices in rows:
            tc = TitleCharacter(character=character, role=c.role, order=c.order)
            tc.voices = [CharacterVoice(person=p, language=lang) for p, lang in voices]
            title.characters.append(tc)
        changes["characters"] = [len(old_sig), len(new_sig)]

    # -- relations, seasons, episodes -------------------------------------------------------

    def _apply_relations(self, title: Title, record: TitleRecord, changes: dict) -> None:
        wanted = {}
        for r in record.relations:
            wanted.setdefault((r.relation, r.target.provider, r.target.kind, r.target.value), r.name)
        # Only the relations this record's providers gave: a title known to TMDB and to MAL keeps
        # both sets instead of each sync deleting the other provider's.
        own = {r.provider for r in record.refs} | {r.target.provider for r in record.relations}
        have = {
            (rel.relation, rel.target_provider, rel.target_kind, rel.target_value): rel
            for rel in title.relations if rel.target_provider in own
        }
        if set(have) == set(wanted) and all(have[k].target_name == n for k, n in wanted.items()):
            return
        for key, rel in have.items():
            if key not in wanted:
                title.relations.remove(rel)
        for key, name in wanted.items():
            rel = have.get(key)
            if rel is None:
                relation, provider, kind, value = key
                target = db.session.scalars(
                    select(ExternalId.title_id).where(
                        ExternalId.provider == provider, ExternalId.kind == kind, ExternalId.value == value
                    )
                ).first()
                title.relations.append(
                    TitleRelation(
                        relation=relation, target_provider=provider, target_kind=kind,
                        target_value=value, target_name=name, related_title_id=target,
                    )
                )
            else:
                rel.target_name = name
        changes["relations"] = [len(have), len(wanted)]

    def _link_incoming_relations(self, title: Title, refs: list[ExternalRef]) -> None:
        """Relations stored before this title existed now point at it."""
        conditions = [
            and_(
                TitleRelation.target_provider == r.provider,
                TitleRelation.target_kind == r.kind,
                TitleRelation.target_value == r.value,
            )
            for r in refs
        ]
        db.session.execute(
            update(TitleRelation)
            .where(TitleRelation.related_title_id.is_(None), or_(*conditions))
            .values(related_title_id=title.id)
            # No in-session evaluation: it scans the whole identity map, which grows with a bulk load.
            .execution_options(synchronize_session=False)
        )

    def _apply_seasons(self, title: Series, record: TitleRecord, changes: dict) -> None:
        have = {s.number: s for s in title.seasons}
        changed = 0
        for s in record.seasons:
            season = have.get(s.number)
            if season is None:
                season = Season(number=s.number)
                title.seasons.append(season)
                changed += 1
            for name in ("name", "air_date", "episode_count", "poster_url", "synopsis"):
                new = getattr(s, name)
                if new not in (None, "") and getattr(season, name) != new:
                    setattr(season, name, new)
                    changed += season.id is not None
        if changed:
            changes["seasons"] = [len(have), len(title.seasons)]

    def _apply_episodes(self, title: Title, record: TitleRecord, changes: dict) -> None:
        have = {(e.season_number, e.number): e for e in title.episodes}
        changed = 0
        for e in record.episodes:
            key = (e.season_number or 0, e.number)
            episode = have.get(key)
            if episode is None:
                episode = Episode(season_number=key[0], number=e.number)
                title.episodes.append(episode)
                have[key] = episode
                changed += 1
            for name in ("name", "air_date", "runtime_minutes", "synopsis"):
                new = getattr(e, name)
                if new not in (None, "") and getattr(episode, name) != new:
                    setattr(episode, name, new)
                    changed += episode.id is not None
        if changed:
            changes["episodes"] = [changed, len(have)]


def _ident(obj: Any) -> Any:
    return obj.id if obj.id is not None else id(obj)


def _credit_sig(person: Person, role: str, character: str, job: str, order: int) -> tuple:
    return (_ident(person), role, character or "", job or "", order)


def _normalized(value: Any) -> Any:
    if isinstance(value, float):
        return round(value, 6)
    return value


def _jsonable(value: Any) -> Any:
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    return value


def _refresh_identity(row: Person | Character, record: PersonRecord | CharacterRecord) -> bool:
    """A provider's person or character takes the provider's current name and picture.

    Only rows known by a provider id: a row matched by name alone has no other name to take, and
    None never erases what is stored.
    """
    changed = False
    if record.ref and record.name and row.name != record.name:
        row.name, changed = record.name, True
    if record.image_url and row.image_url != record.image_url:
        row.image_url, changed = record.image_url, True
    return changed
