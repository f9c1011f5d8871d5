"""MyMovieList: a self-hosted tracker for movies, series, anime and comics."""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

from flask import Flask

from mymovielist import caching, database
from mymovielist.config import DefaultConfig, default_database_uri, instance_secret_key
from mymovielist.extensions import cache, compress, csrf, db, limiter, login_manager, migrate


def create_app(test_config: Mapping[str, Any] | None = None) -> Flask:
    """Build the application: configuration, extensions, blueprints, error pages, CLI."""
    # MYMOVIELIST_INSTANCE_PATH pins the instance folder; unset, Flask picks instance/ beside the
    # package in a checkout and <sys.prefix>/var/mymovielist-instance for an installed one.
    instance_path = os.environ.get("MYMOVIELIST_INSTANCE_PATH") or None
    app = Flask(
        __name__,
        instance_path=os.path.abspath(instance_path) if instance_path else None,
        instance_relative_config=True,
    )
    _configure(app, test_config)
    from mymovielist.observability import logging as observability_logging

    observability_logging.install(app)

    database.install(app.config["SQLITE_BUSY_TIMEOUT_MS"])
    from mymovielist.jobs import worker as jobs_worker

    jobs_worker.install()
    db.init_app(app)
    migrate.init_app(app, db, directory=_migrations_directory(app))
    csrf.init_app(app)
    cache.init_app(app)
    caching.install(app, app.extensions["cache"][cache])
    compress.init_app(app)
    limiter.init_app(app)
    _init_login(app)
    from mymovielist.observability import metrics

    metrics.install(app)

    from mymovielist import api, conditional, csrf_tokens, errors, ids, images, page_cache, security, static_files, templating
    from mymovielist.admin import bp as admin_bp
    from mymovielist.auth import access, signup
    from mymovielist.auth import bp as auth_bp
    from mymovielist.auth import sessions as auth_sessions
    from mymovielist.catalog import bp as catalog_bp
    from mymovielist.discover import bp as discover_bp
    from mymovielist.health import bp as health_bp
    from mymovielist.jobs import cli as jobs_cli
    from mymovielist.lists import bp as lists_bp
    from mymovielist.portability import bp as portability_bp
    from mymovielist.reviews import bp as reviews_bp
    from mymovielist.social import bp as social_bp
    from mymovielist.stats import bp as stats_bp
    from mymovielist.sync import cli as sync_cli
    from mymovielist.tracking import bp as tracking_bp
    from mymovielist.users import bp as users_bp

    ids.register(app)  # before the first rule: `<int:…>` must be the bounded converter
    app.register_blueprint(discover_bp)
    app.register_blueprint(catalog_bp)
    app.register_blueprint(health_bp)
    app.register_blueprint(auth_bp)
    app.register_blueprint(users_bp)
    app.register_blueprint(admin_bp)
    app.register_blueprint(reviews_bp)
    app.register_blueprint(lists_bp)
    app.register_blueprint(portability_bp)
    app.register_blueprint(social_bp)
    app.register_blueprint(tracking_bp)
    app.register_blueprint(stats_bp)
    app.register_blueprint(api.bp)
    app.register_blueprint(api.tokens_bp)
    images.init_app(app)
    # The API takes no session cookies (api.auth reads only bearer tokens), so a forged cross-site
    # request carries no credentials and needs no CSRF token; API writes without a token get 401.
    csrf.exempt(api.bp)
    sync_cli.register(app)
    jobs_cli.register(app)
    access.register(app)
    signup.install(app)
    auth_sessions.install(app)
    page_cache.install(app)  # before security.register: a proxy fix-up must run ahead of it
    security.register(app)
    errors.register(app)
    templating.register(app)
    static_files.register(app)
    conditional.register(app)
    api.register(app)  # it wraps the error handlers registered above for /api/ paths
    csrf_tokens.register(app)  # last: its hook must run before the others (hooks run in reverse)
    return app


def _configure(app: Flask, test_config: Mapping[str, Any] | None) -> None:
    """Defaults < instance/config.py < MYMOVIELIST_* environment < test_config."""
    app.config.from_object(DefaultConfig)
    app.config.from_pyfile("config.py", silent=True)
    app.config.from_prefixed_env("MYMOVIELIST")
    if test_config is not None:
        app.config.update(test_config)
    os.makedirs(app.instance_path, exist_ok=True)
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = instance_secret_key(app.instance_path)
    if not app.config.get("SQLALCHEMY_DATABASE_URI"):
        app.config["SQLALCHEMY_DATABASE_URI"] = default_database_uri(app.instance_path)
    if (path := database.sqlite_file(app.config["SQLALCHEMY_DATABASE_URI"])) is not None:
        database.keep_private(path)
    # MYMOVIELIST_CACHE_REDIS_URL: one cache shared by every worker (generations in cache_keys).
    if app.config.get("CACHE_REDIS_URL") and app.config.get("CACHE_TYPE") in (None, "SimpleCache", DefaultConfig.CACHE_TYPE):
        app.config["CACHE_TYPE"] = "RedisCache"
        app.config.setdefault("CACHE_KEY_PREFIX", "mymovielist:cache:")
    app.config["CACHE_DIR"] = caching.cache_dir(app)
    # sqlite:///relative (SQLAlchemy's notation) is inside the instance folder, like the database.
    limits_uri = str(app.config.get("RATELIMIT_STORAGE_URI") or "")
    if limits_uri.startswith("sqlite:///") and not limits_uri.startswith("sqlite:////"):
        app.config["RATELIMIT_STORAGE_URI"] = f"sqlite:///{os.path.join(app.instance_path, limits_uri[10:])}"
    # The debugger runs code from the browser: never on unless testing or explicitly developing.
    if app.config.get("DEBUG") and not (app.config.get("TESTING") or app.config.get("DEV_MODE")):
        app.config["DEBUG"] = False
        app.debug = False


def _migrations_directory(app: Flask) -> str:
    """The Alembic scripts: packaged inside an installed wheel, beside the package in a checkout."""
    packaged = os.path.join(app.root_path, "migrations")
    if os.path.isdir(packaged):
        return packaged
    return os.path.join(os.path.dirname(app.root_path), "migrations")


def _init_login(app: Flask) -> None:
    from mymovielist.auth import sessions

    login_manager.init_app(app)
    login_manager.session_protection = "basic"
    login_manager.user_loader(sessions.load_user)
