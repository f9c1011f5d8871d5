"""Provider images fetched once, resized with Pillow and kept on disk in the instance folder.

Layout under the store's root (every file is written to a temporary name, then renamed, so two
workers fetching the same image at once never leave half a file):

    originals/<k2>/<key>           the source bytes, exactly as the provider sent them
    variants/<k2>/<key>-<w>.<ext>  a resized copy per width and format
    failed/<key>                   a failed fetch, with the reason; retried after `retry_after`

`key` is a SHA-256 of the source URL. Only URLs on the configured hosts and schemes are fetched
(the store is no open proxy), redirects included; a host that cannot be reached is left alone for a
minute, so a page of forty posters during an outage costs one connection attempt, not forty.
"""

from __future__ import annotations

import hashlib
import logging
import os
import tempfile
import threading
import time
from dataclasses import dataclass, field
from io import BytesIO
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import requests
from PIL import Image, ImageOps, UnidentifiedImageError

log = logging.getLogger(__name__)

WIDTHS = (92, 185, 342, 500, 780)
FORMATS = {"webp": ("WEBP", "image/webp"), "jpeg": ("JPEG", "image/jpeg")}
SOURCE_FORMATS = {"JPEG", "PNG", "WEBP", "GIF"}
MAX_SOURCE_BYTES = 10 * 1024 * 1024
MAX_SOURCE_PIXELS = 6000 * 6000
MAX_REDIRECTS = 3
HOST_DOWN_SECONDS = 60.0


class ImageUnavailable(Exception):
    """The source image cannot be had now: the caller serves a placeholder."""


def source_key(url: str) -> str:
    return hashlib.sha256(url.encode()).hexdigest()


@dataclass
class ImageStore:
    root: Path
    hosts: frozenset[str]
    schemes: frozenset[str] = frozenset({"https"})
    timeout: tuple[float, float] = (5.0, 10.0)
    retry_after: float = 3600.0
    user_agent: str = "MyMovieList"
    _down_until: dict[str, float] = field(default_factory=dict, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    _local: threading.local = field(default_factory=threading.local, repr=False)

    def variant(self, url: str, width: int, fmt: str) -> bytes:
        """The image at `url` no wider than `width`, encoded as `fmt` ("webp" or "jpeg")."""
        if width not in WIDTHS or fmt not in FORMATS:
            raise ValueError(f"unsupported variant {width} {fmt}")
        key = source_key(url)
        path = self._path("variants", key, f"{key}-{width}.{fmt}")
        try:
            return path.read_bytes()
        except FileNotFoundError:
            pass
        data = _resize(self._original(url, key), width, fmt)
        self._keep(path, data)
        return data

    # -- the source --------------------------------------------------------------------------

    def _original(self, url: str, key: str) -> bytes:
        path = self._path("originals", key, key)
        try:
            return path.read_bytes()
        except FileNotFoundError:
            pass
        self._check_allowed(url)  # before the failure record: a refused address is never fetched
        failed = self.root / "failed" / key
        try:
            if time.time() - failed.stat().st_mtime < self.retry_after:
                raise ImageUnavailable(failed.read_text(errors="replace") or "an earlier fetch failed")
        except FileNotFoundError:
            pass
        try:
            data = self._fetch(url)
        except ImageUnavailable as exc:
            self._keep(failed, str(exc).encode())
            raise
        self._keep(path, data)
        failed.unlink(missing_ok=True)
        return data

    def _fetch(self, url: str) -> bytes:
        for _ in range(MAX_REDIRECTS + 1):
            host = self._check_allowed(url)
            try:
                response = self._session().get(url, timeout=self.timeout, stream=True, allow_redirects=False)
            except requests.RequestException as exc:
                self._mark_down(host)
                log.warning("image fetch failed host=%s error=%s", host, type(exc).__name__)
                raise ImageUnavailable(f"{host} could not be reached") from exc
            with response:
                if response.is_redirect and response.headers.get("Location"):
                    url = urljoin(url, response.headers["Location"])
                    continue
                if response.status_code != 200:
                    raise ImageUnavailable(f"{host} answered {response.status_code}")
                if not response.headers.get("Content-Type", "").startswith("image/"):
                    raise ImageUnavailable(f"{host} did not send an image")
                return _validated(_read_capped(response))
        raise ImageUnavailable("too many redirects")

    def _check_allowed(self, url: str) -> str:
        parts = urlsplit(url)
        host = (parts.hostname or "").lower()
        if parts.scheme not in self.schemes or host not in self.hosts:
            raise ImageUnavailable(f"images from {host or 'that address'} are not fetched")
        with self._lock:
            if self._down_until.get(host, 0.0) > time.monotonic():
                raise ImageUnavailable(f"{host} is unreachable; trying again shortly")
        return host

    def _mark_down(self, host: str) -> None:
        with self._lock:
            self._down_until[host] = time.monotonic() + HOST_DOWN_SECONDS

    def _session(self) -> requests.Session:
        session = getattr(self._local, "session", None)
        if session is None:
            session = requests.Session()
            session.headers["User-Agent"] = self.user_agent
            self._local.session = session
        return session

    # -- disk ----------------------------------------------------------------------------------

    def _path(self, area: str, key: str, name: str) -> Path:
        return self.root / area / key[:2] / name

    def _keep(self, path: Path, data: bytes) -> None:
        """Write atomically; a full disk only costs the copy (the bytes are still served)."""
        tmp = None
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
            with os.fdopen(fd, "wb") as f:
                f.write(data)
            os.replace(tmp, path)
        except OSError as exc:
            log.warning("image not stored path=%s error=%s", path.name, exc.strerror or exc)
            if tmp is not None:
                Path(tmp).unlink(missing_ok=True)


def _read_capped(response: requests.Response) -> bytes:
    declared = response.headers.get("Content-Length", "")
    if declared.isdigit() and int(declared) > MAX_SOURCE_BYTES:
        raise ImageUnavailable("the image is too large")
    body = bytearray()
    try:
        for chunk in response.iter_content(64 * 1024):
            body += chunk
            if len(body) > MAX_SOURCE_BYTES:
                raise ImageUnavailable("the image is too large")
    except requests.RequestException as exc:
        raise ImageUnavailable("the image download broke off") from exc
    return bytes(body)


def _validated(data: bytes) -> bytes:
    """The bytes, if Pillow reads them as a reasonably sized image of a web format."""
    try:
        with Image.open(BytesIO(data)) as image:
            if image.format not in SOURCE_FORMATS:
                raise ImageUnavailable(f"{image.format} images are not used")
            if image.width * image.height > MAX_SOURCE_PIXELS:
                raise ImageUnavailable("the image has too many pixels")
            image.verify()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError) as exc:
        raise ImageUnavailable("the file is not a readable image") from exc
    return data


def _resize(data: bytes, width: int, fmt: str) -> bytes:
    pil_format, _ = FORMATS[fmt]
    try:
        with Image.open(BytesIO(data)) as source:
            source.draft("RGB", (width, width * 4))  # JPEG: decode at a reduced scale when it can
            image = ImageOps.exif_transpose(source)
            if image.width > width:
                height = max(1, round(image.height * width / image.width))
                image = image.resize((width, height), Image.Resampling.LANCZOS)
            has_alpha = image.mode in ("RGBA", "LA") or "transparency" in image.info
            if fmt == "jpeg" or not has_alpha:
                image = _flatten(image) if has_alpha else image.convert("RGB")
            else:
                image = image.convert("RGBA")
            out = BytesIO()
            if fmt == "webp":
                image.save(out, pil_format, quality=80, method=4)
            else:
                image.save(out, pil_format, quality=82, optimize=True, progressive=True)
            return out.getvalue()
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError) as exc:
        raise ImageUnavailable("the image could not be resized") from exc


def _flatten(image: Image.Image) -> Image.Image:
    rgba = image.convert("RGBA")
    background = Image.new("RGB", rgba.size, (255, 255, 255))
    background.paste(rgba, mask=rgba.getchannel("A"))
    return background
