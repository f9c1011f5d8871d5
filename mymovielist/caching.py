"""The cache's backends: a file cache every process on the machine shares, and where generation tokens live.

The default cache is a directory in the instance folder (FileSystemCache), so every gunicorn worker,
the scheduler and a `flask sync import` in another terminal see one cache and one set of generation
tokens (services/cache_keys.py). The tokens never live among the entries they guard: a backend that
prunes by count (SimpleCache, FileSystemCache) throws the oldest entries out first, and a token
stored with no timeout looks oldest of all (cachelib's SimpleCache even takes "never expires" for
"expired"), so every page would become unreachable as soon as the cache filled up. They get a store
of their own that is never pruned: one small file (or dict entry) per scope, a few per title or user.
"""

from __future__ import annotations

import os
import struct
import sys
import time
from typing import Any, Protocol

import cachelib
from flask import Flask
from flask_caching.backends import filesystemcache

GENERATIONS = "mymovielist.generations"
PRUNE_TO = 0.8  # a full file cache is pruned down to this share of CACHE_THRESHOLD


class TokenStore(Protocol):
    def get(self, key: str) -> Any: ...

    def add(self, key: str, value: Any, timeout: int | None = None) -> bool: ...

    def set(self, key: str, value: Any, timeout: int | None = None) -> Any: ...


class FileSystemCache(filesystemcache.FileSystemCache):
    """Flask-Caching's file cache, pruned in batches and recounted from the directory.

    cachelib's own prune reads every file on each write once the cache is full and removes just
    enough to get under the threshold, so every later write pays the full scan again; and the count
    file it keeps drifts when several processes write at once. This one prunes down to PRUNE_TO of
    the threshold in one pass (expired entries first, then the longest written) and writes the real count.
    """

    @property
    def _file_count(self) -> int:
        # The class's get, not the instance's: metrics wrap the instance's to count hits and misses.
        return cachelib.FileSystemCache.get(self, self._fs_count_file) or 0

    def _prune(self) -> None:
        if not self._over_threshold():
            return
        now = time.time()
        entries = []
        for path in self._list_dir():
            try:
                with open(path, "rb") as f:
                    expires = struct.unpack("I", f.read(4))[0]
                    written = os.fstat(f.fileno()).st_mtime_ns
            except (OSError, struct.error):
                continue  # removed by another process meanwhile, or being written
            entries.append((bool(expires) and expires < now, written, path))
        # Expired entries first, then the longest written (a timeout's expiry is only to the second).
        entries.sort(key=lambda entry: (not entry[0], entry[1]))
        surplus = len(entries) - int(self._threshold * PRUNE_TO)
        removed = 0
        for index, (expired, _, path) in enumerate(entries):
            if index >= surplus and not expired:
                break
            try:
                os.remove(path)
                removed += 1
            except FileNotFoundError:
                pass
        self._update_count(value=len(entries) - removed)


def cache_dir(app: Flask) -> str:
    """The file cache's directory: CACHE_DIR, relative to the instance folder, by default `cache`."""
    return os.path.join(app.instance_path, app.config.get("CACHE_DIR") or "cache")


def install(app: Flask, backend: Any) -> None:
    """Give the app's generation tokens a store that is never pruned, shared like the cache itself."""
    store: TokenStore
    if isinstance(backend, cachelib.SimpleCache):
        # One process only (gunicorn refuses it with several workers); a dict nothing prunes.
        store = cachelib.SimpleCache(threshold=sys.maxsize, default_timeout=0)
    elif isinstance(backend, cachelib.FileSystemCache):
        store = cachelib.FileSystemCache(backend._path.rstrip(os.sep) + "-generations", threshold=0, default_timeout=0)
    else:
        # Redis, memcached: no count threshold, and a token is kept without expiry. A store that
        # evicts it anyway (maxmemory) costs misses only: a new token is a new random value.
        store = backend
    app.extensions[GENERATIONS] = store
