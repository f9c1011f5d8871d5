"""Reading uploaded files within limits: a size cap, gzip and ZIP bombs refused, CSV headers checked.

Limits can be set in the configuration: IMPORT_MAX_BYTES (the upload), IMPORT_MAX_UNCOMPRESSED
(everything a gzip or ZIP unpacks to) and IMPORT_MAX_MEMBERS (files in a ZIP).
"""

from __future__ import annotations

import csv
import gzip
import io
import zipfile
import zlib
from collections.abc import Iterator

from flask import current_app, has_app_context

from mymovielist.services.imports.records import ImportFileError

DEFAULTS = {
    "IMPORT_MAX_BYTES": 10 * 1024 * 1024,
    "IMPORT_MAX_UNCOMPRESSED": 100 * 1024 * 1024,
    "IMPORT_MAX_MEMBERS": 2_000,
}
_CHUNK = 64 * 1024


def limit(name: str) -> int:
    if has_app_context():
        return int(current_app.config.get(name, DEFAULTS[name]))
    return DEFAULTS[name]


def check_size(data: bytes) -> None:
    if not data:
        raise ImportFileError("The file is empty.")
    cap = limit("IMPORT_MAX_BYTES")
    if len(data) > cap:
        raise ImportFileError(f"The file is larger than the {cap // (1024 * 1024)} MB an import may be.")


def gunzip(data: bytes) -> bytes:
    """The contents of a gzip file, refused past the uncompressed cap (read in chunks, never whole)."""
    cap = limit("IMPORT_MAX_UNCOMPRESSED")
    out = io.BytesIO()
    try:
        with gzip.GzipFile(fileobj=io.BytesIO(data)) as stream:
            while chunk := stream.read(_CHUNK):
                if out.tell() + len(chunk) > cap:
                    raise ImportFileError(_too_big(cap))
                out.write(chunk)
    except (OSError, EOFError, zlib.error) as error:
        raise ImportFileError(f"The gzip file is damaged ({error}).") from None
    return out.getvalue()


def is_gzip(data: bytes) -> bool:
    return data[:2] == b"\x1f\x8b"


def is_zip(data: bytes) -> bool:
    return data[:4] == b"PK\x03\x04"


def _too_big(cap: int) -> str:
    return f"The archive unpacks to more than {cap // (1024 * 1024)} MB; that is not an export we can import."


def read_zip(data: bytes) -> dict[str, bytes]:
    """Every file of a ZIP by its path (a single top folder stripped), within the member and size caps.

    The sizes a ZIP declares can lie, so the bytes are counted while they are inflated.
    """
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        infos = [info for info in archive.infolist() if not info.is_dir()]
    except (zipfile.BadZipFile, OSError, EOFError) as error:
        raise ImportFileError(f"The ZIP file is damaged ({error}).") from None
    if len(infos) > limit("IMPORT_MAX_MEMBERS"):
        raise ImportFileError(f"The ZIP holds more than {limit('IMPORT_MAX_MEMBERS')} files.")
    cap = limit("IMPORT_MAX_UNCOMPRESSED")
    if sum(info.file_size for info in infos) > cap:
        raise ImportFileError(_too_big(cap))
    files: dict[str, bytes] = {}
    total = 0
    try:
        for info in infos:
            buffer = io.BytesIO()
            with archive.open(info) as member:
                while chunk := member.read(_CHUNK):
                    total += len(chunk)
                    if total > cap:
                        raise ImportFileError(_too_big(cap))
                    buffer.write(chunk)
            files[info.filename.replace("\\", "/")] = buffer.getvalue()
    except (zipfile.BadZipFile, OSError, EOFError, zlib.error, RuntimeError) as error:
        raise ImportFileError(f"The ZIP file is damaged ({error}).") from None
    return _strip_top_folder(files)


def _strip_top_folder(files: dict[str, bytes]) -> dict[str, bytes]:
    tops = {name.split("/", 1)[0] for name in files}
    if len(tops) == 1 and all("/" in name for name in files):
        return {name.split("/", 1)[1]: content for name, content in files.items()}
    return files


def text(data: bytes, name: str) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ImportFileError(f"{name} is not UTF-8 text.") from None


def csv_rows(data: bytes, name: str, required: tuple[str, ...]) -> Iterator[tuple[int, dict[str, str]]]:
    """The rows of a CSV file as (line number, row), after checking its header names `required`."""
    reader = csv.DictReader(io.StringIO(text(data, name), newline=""))
    missing = [column for column in required if column not in (reader.fieldnames or [])]
    if missing:
        raise ImportFileError(
            f"{name} lacks the column{'s' if len(missing) > 1 else ''} {', '.join(missing)}."
        )
    try:
        for row in reader:
            yield reader.line_num, {k: (v or "").strip() for k, v in row.items() if isinstance(k, str)}
    except csv.Error as error:
        raise ImportFileError(f"{name} is not valid CSV ({error}).") from None
