"""The application factory and configuration precedence."""

import os
import stat

from mymovielist import create_app


def write_instance_config(instance, text):
    instance.mkdir(parents=True, exist_ok=True)
    (instance / "config.py").write_text(text)


def make(tmp_path, monkeypatch, test_config=None):
    monkeypatch.chdir(tmp_path)
    app = create_app(test_config)
    return app


def test_defaults_apply_without_any_configuration(tmp_path, monkeypatch):
    monkeypatch.setattr("flask.Flask.auto_find_instance_path", lambda self: str(tmp_path / "instance"))
    app = make(tmp_path, monkeypatch)
    assert app.config["CACHE_TYPE"] == "mymovielist.caching.FileSystemCache"  # shared by every process
    assert app.config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path / 'instance' / 'mymovielist.sqlite3'}"
    assert app.config["TMDB_BASE_URL"] == "https://api.themoviedb.org/3"
    assert not app.testing


def test_precedence_defaults_instance_environment_test_config(tmp_path, monkeypatch):
    instance = tmp_path / "instance"
    monkeypatch.setattr("flask.Flask.auto_find_instance_path", lambda self: str(instance))
    write_instance_config(instance, 'PAGE_SIZE = 10\nCACHE_TYPE = "FileSystemCache"\nJIKAN_BASE_URL = "http://instance"\n')
    monkeypatch.setenv("MYMOVIELIST_CACHE_TYPE", "SimpleCache")
    monkeypatch.setenv("MYMOVIELIST_JIKAN_BASE_URL", "http://env")
    monkeypatch.setenv("MYMOVIELIST_TMDB_API_KEY", "k123")
    app = make(tmp_path, monkeypatch, {"JIKAN_BASE_URL": "http://test"})
    assert app.config["PAGE_SIZE"] == 10  # instance beats default
    assert app.config["CACHE_TYPE"] == "SimpleCache"  # environment beats instance
    assert app.config["TMDB_API_KEY"] == "k123"
    assert app.config["JIKAN_BASE_URL"] == "http://test"  # test config beats environment


def test_environment_values_are_parsed_as_json(tmp_path, monkeypatch):
    monkeypatch.setattr("flask.Flask.auto_find_instance_path", lambda self: str(tmp_path / "instance"))
    monkeypatch.setenv("MYMOVIELIST_PAGE_SIZE", "48")
    monkeypatch.setenv("MYMOVIELIST_DEMO_CATALOG", "false")
    app = make(tmp_path, monkeypatch)
    assert app.config["PAGE_SIZE"] == 48
    assert app.config["DEMO_CATALOG"] is False


def test_secret_key_is_generated_once_and_kept_private(tmp_path, monkeypatch):
    instance = tmp_path / "instance"
    monkeypatch.setattr("flask.Flask.auto_find_instance_path", lambda self: str(instance))
    first = make(tmp_path, monkeypatch).config["SECRET_KEY"]
    second = make(tmp_path, monkeypatch).config["SECRET_KEY"]
    assert first == second and len(first) >= 40
    mode = stat.S_IMODE(os.stat(instance / "secret_key").st_mode)
    assert mode == 0o600


def test_secret_key_from_environment_wins(tmp_path, monkeypatch):
    monkeypatch.setattr("flask.Flask.auto_find_instance_path", lambda self: str(tmp_path / "instance"))
    monkeypatch.setenv("MYMOVIELIST_SECRET_KEY", "from-env")
    app = make(tmp_path, monkeypatch)
    assert app.config["SECRET_KEY"] == "from-env"
    assert not (tmp_path / "instance" / "secret_key").exists()


def test_testing_flag_from_test_config(app):
    assert app.testing
