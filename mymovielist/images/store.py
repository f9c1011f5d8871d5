"""Provider images fetched once, resized with Pillow and kept on disk in the instance folder.

Layout under the store's root (every file is written to a temporary name, then renamed, so two
workers fetching the same image at once never leave half a file):

    originals/<k2>/<key>           the source bytes, exactly as the provider sent them
    variants/<k2>/<key>-<w>.<ext>  a resized copy per width and format
    failed/<key>                   a failed fetch, with the reason; retried after `retry_after`

`key` is a SHA-256 of the source URL. Only URLs on the configured hosts and schemes are fetched
(the store is no open proxy), redirects included; a host that cannot be reached is left alone for a
minute, so a page of forty posters during an outage costs one connection attempt, not forty.

A URL is checked with the parser requests connects with (urllib3's), and must read the same to
Python's: no user info, no backslash, the scheme's own port unless the allowed host names another.
The connection itself is refused when the address the host resolved to is not a public one
(loopback, private, link-local: no reaching the inside through a DNS name), checked on the socket
after it connected, so a second DNS answer cannot slip past. A whole fetch has a deadline (a
server dripping a byte a second cannot hold a worker), and a source's pixels are capped before
it is decoded.
"""

from __future__ import annotations

import hashlib
import ipaddress
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
from PIL import Image, UnidentifiedImageError
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.exceptions import HTTPError as Urllib3Error
from urllib3.exceptions import LocationParseError, NewConnectionError
from urllib3.util import parse_url

log = logging.getLogger(__name__)

WIDTHS = (92, 185, 342, 500, 780)
FORMATS = {"webp": ("WEBP", "image/webp"), "jpeg": ("JPEG", "image/jpeg")}
SOURCE_FORMATS = {"JPEG", "PNG", "WEBP", "GIF"}
MAX_SOURCE_BYTES = 10 * 1024 * 1024
# 24 Mpx: a decoded RGBA copy is 96 MB at most (a 5999x5999 PNG took a worker to 420 MB). Provider
# posters are 6 Mpx (TMDB's 2000x3000 originals) or less.
MAX_SOURCE_PIXELS = 24_000_000
MAX_REDIRECTS = 3
HOST_DOWN_SECONDS = 60.0
FETCH_SECONDS = 20.0  # the whole fetch, redirects and a slow body included
DEFAULT_PORTS = {"http": 80, "https": 443}


class ImageUnavailable(Exception):
    """The source image cannot be had now: the caller serves a placeholder."""


def source_key(url: str) -> str:
    return hashlib.sha256(url.encode()).hexdigest()


class _PublicOnly:
    """A urllib3 connection that refuses to talk to a non-public address once the socket is open."""

    def _new_conn(self):
        sock = super()._new_conn()
        address = ipaddress.ip_address(sock.getpeername()[0].split("%")[0])
        if not address.is_global:
            sock.close()
            raise NewConnectionError(self, f"{self.host} resolved to a non-public address")
        return sock


class _PublicHTTPConnection(_PublicOnly, HTTPConnection):
    pass


class _PublicHTTPSConnection(_PublicOnly, HTTPSConnection):
    pass


class _PublicHTTPPool(HTTPConnectionPool):
    ConnectionCls = _PublicHTTPConnection


class _PublicHTTPSPool(HTTPSConnectionPool):
    ConnectionCls = _PublicHTTPSConnection


class PublicOnlyAdapter(HTTPAdapter):
    """requests' adapter whose connections reach public addresses only."""

    def init_poolmanager(self, *args, **kwargs) -> None:
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = {"http": _PublicHTTPPool, "https": _PublicHTTPSPool}


@dataclass
class ImageStore:
    root: Path
    hosts: frozenset[str]  # "host" (the scheme's own port) or "host:port"
    schemes: frozenset[str] = frozenset({"https"})
    timeout: tuple[float, float] = (5.0, 10.0)
    retry_after: float = 3600.0
    user_agent: str = "MyMovieList"
    allow_private: bool = False  # tests and a LAN image host only: fetch from non-public addresses
    fetch_seconds: float = FETCH_SECONDS
    _down_until: dict[str, float] = field(default_factory=dict, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    _local: threading.local = field(default_factory=threading.local, repr=False)

    def variant(self, url: str, width: int, fmt: str, *, any_host: bool = False) -> bytes:
        """The image at `url` no wider than `width`, encoded as `fmt` ("webp" or "jpeg").

        `any_host`: a user's avatar, from any public host on the scheme's own port (the address and
        resource checks hold all the same); otherwise only the configured hosts.
        """
        if width not in WIDTHS or fmt not in FORMATS:
            raise ValueError(f"unsupported variant {width} {fmt}")
        key = source_key(url)
        path = self._path("variants", key, f"{key}-{width}.{fmt}")
        try:
            return path.read_bytes()
        except FileNotFoundError:
            pass
        data = _resize(self._original(url, key, any_host), width, fmt)
        self._keep(path, data)
        return data

    # -- the source --------------------------------------------------------------------------

    def _original(self, url: str, key: str, any_host: bool) -> bytes:
        path = self._path("originals", key, key)
        try:
            return path.read_bytes()
        except FileNotFoundError:
            pass
        self._check_allowed(url, any_host)  # before the failure record: a refused address is never fetched
        failed = self.root / "failed" / key
        try:
            if time.time() - failed.stat().st_mtime < self.retry_after:
                raise ImageUnavailable(failed.read_text(errors="replace") or "an earlier fetch failed")
        except FileNotFoundError:
            pass
        try:
            data = self._fetch(url, any_host)
        except ImageUnavailable as exc:
            self._keep(failed, str(exc).encode())
            raise
        self._keep(path, data)
        failed.unlink(missing_ok=True)
        return data

    def _fetch(self, url: str, any_host: bool) -> bytes:
        deadline = time.monotonic() + self.fetch_seconds
        for _ in range(MAX_REDIRECTS + 1):
            host = self._check_allowed(url, any_host)
            try:
                response = self._session().get(url, timeout=self.timeout, stream=True, allow_redirects=False)
            except requests.RequestException as exc:
                if "non-public address" in str(exc):
                    raise ImageUnavailable(f"{host} is not a public address") from exc
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
                return _validated(_read_capped(response, deadline))
        raise ImageUnavailable("too many redirects")

    def _check_allowed(self, url: str, any_host: bool = False) -> str:
        """The URL's host, if both parsers read the URL alike and its scheme, host and port are allowed."""
        host = _allowed_origin(url, self.schemes, self.hosts, any_host)
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
            session.trust_env = False  # no proxy from the environment: we connect to what we checked
            if not self.allow_private:
                for prefix in ("http://", "https://"):
                    session.mount(prefix, PublicOnlyAdapter())
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


def _allowed_origin(url: str, schemes: frozenset[str], hosts: frozenset[str], any_host: bool = False) -> str:
    refused = ImageUnavailable("images from that address are not fetched")
    try:
        ours, theirs = urlsplit(url), parse_url(url)  # theirs: what requests will connect to
        port = ours.port
    except (ValueError, LocationParseError):
        raise refused from None
    host = (ours.hostname or "").lower()
    if (
        "\\" in url
        or ours.username is not None
        or theirs.auth is not None
        or (theirs.host or "").lower().strip("[]") != host
        or theirs.port != port
        or ours.scheme not in schemes
    ):
        raise refused
    if port in (None, DEFAULT_PORTS.get(ours.scheme)):
        allowed = bool(host) and (any_host or host in hosts)
    else:
        allowed = f"{host}:{port}" in hosts
    if not allowed:
        raise ImageUnavailable(f"images from {host or 'that address'} are not fetched")
    return host


def _read_capped(response: requests.Response, deadline: float) -> bytes:
    declared = response.headers.get("Content-Length", "")
    if declared.isdigit() and int(declared) > MAX_SOURCE_BYTES:
        raise ImageUnavailable("the image is too large")
    body = bytearray()
    try:
        # read1: whatever has arrived (at most 64 KiB), so a trickling body is checked against the
        # deadline after every few bytes rather than after a full chunk that may never come.
        while chunk := response.raw.read1(64 * 1024, decode_content=True):
            body += chunk
            if len(body) > MAX_SOURCE_BYTES:
                raise ImageUnavailable("the image is too large")
            if time.monotonic() > deadline:
                raise ImageUnavailable("the image took too long to download")
    except (requests.RequestException, Urllib3Error, OSError) as exc:  # raw reads raise urllib3's own
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
            if source.width * source.height > MAX_SOURCE_PIXELS:  # checked again: never decode a bomb
                raise ImageUnavailable("the image has too many pixels")
            source.draft("RGB", (width, width * 4))  # JPEG: decode at a reduced scale when it can
            turn = _ORIENTATIONS.get(source.getexif().get(_ORIENTATION_TAG, 1))
            sideways = turn in (Image.Transpose.TRANSPOSE, Image.Transpose.TRANSVERSE,
                                Image.Transpose.ROTATE_90, Image.Transpose.ROTATE_270)
            shown_width, shown_height = (source.height, source.width) if sideways else source.size
            image = source
            if shown_width > width:  # resized before it is turned: one full-size decode, no copies
                height = max(1, round(shown_height * width / shown_width))
                image = source.resize((height, width) if sideways else (width, height),
                                      Image.Resampling.LANCZOS, reducing_gap=3.0)
            if turn is not None:
                image = image.transpose(turn)
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


_ORIENTATION_TAG = 0x0112  # EXIF Orientation: how the camera was held
_ORIENTATIONS = {
    2: Image.Transpose.FLIP_LEFT_RIGHT, 3: Image.Transpose.ROTATE_180, 4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE, 6: Image.Transpose.ROTATE_270, 7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}


def _flatten(image: Image.Image) -> Image.Image:
    rgba = image.convert("RGBA")
    background = Image.new("RGB", rgba.size, (255, 255, 255))
    background.paste(rgba, mask=rgba.getchannel("A"))
    return background
