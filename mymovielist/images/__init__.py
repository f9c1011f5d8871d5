"""Poster and portrait proxy: provider images fetched once, resized, cached on disk and in browsers."""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint, Flask

from mymovielist.images.store import ImageStore

bp = Blueprint("images", __name__)


def init_app(app: Flask) -> None:
    config = app.config
    root = Path(app.instance_path) / config["IMAGE_DIR"]
    app.extensions["image_store"] = ImageStore(
        root=root,
        hosts=frozenset(host.lower() for host in config["IMAGE_SOURCE_HOSTS"]),
        schemes=frozenset(config["IMAGE_SOURCE_SCHEMES"]),
        timeout=(config["PROVIDER_CONNECT_TIMEOUT"], config["IMAGE_READ_TIMEOUT"]),
        retry_after=config["IMAGE_RETRY_AFTER"],
        user_agent=config["PROVIDER_USER_AGENT"],
        allow_private=bool(config["IMAGE_ALLOW_PRIVATE_ADDRESSES"]),
        fetch_seconds=float(config["IMAGE_FETCH_SECONDS"]),
    )
    app.register_blueprint(bp)


from mymovielist.images import views  # noqa: F401
