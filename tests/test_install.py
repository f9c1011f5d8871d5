"""Installing from a wheel (issue 18.12): what the Dockerfile builds must migrate, load and serve.

How the wheel is proven standalone without downloading its dependencies: the wheel is built from
exactly the files the Dockerfile's build stage copies (offline: no build isolation, this venv's
setuptools), then installed with `--no-deps` into a fresh venv that has no site packages of its own.
That venv reaches the dependencies through a .pth line naming this venv's site-packages folder:
a plain path line, so the .pth files in that folder (the editable install's import hook for the
checkout) are never run, and the fresh venv's own site-packages comes first on sys.path. Every
command runs from a temporary folder outside the checkout with MYMOVIELIST_INSTANCE_PATH set, so
the checkout's package, migrations/ and instance/ cannot be found; the test asserts as much.
"""

from __future__ import annotations

import fnmatch
import gzip
import json
import os
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import sysconfig
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

from mymovielist import create_app

ROOT = Path(__file__).resolve().parent.parent
STEP_SECONDS = 60  # no single command may take longer; the whole module takes about 25 s here
DEMO_TITLES = 25  # loaded from the installed demo catalog (all 3818 take 15-50 s, too slow for here)


def dockerfile_instructions() -> list[tuple[str, str]]:
    """The Dockerfile as (INSTRUCTION, arguments) pairs, continuation lines joined, comments dropped."""
    instructions: list[tuple[str, str]] = []
    pending = ""
    for line in (ROOT / "Dockerfile").read_text().splitlines():
        stripped = line.strip()
        if not pending and (not stripped or stripped.startswith("#")):
            continue
        if stripped.endswith("\\"):
            pending += stripped[:-1] + " "
            continue
        keyword, _, arguments = (pending + stripped).partition(" ")
        instructions.append((keyword.upper(), arguments.strip()))
        pending = ""
    return instructions


def stages() -> list[list[tuple[str, str]]]:
    """The instructions of each build stage, FROM first."""
    result: list[list[tuple[str, str]]] = []
    for keyword, arguments in dockerfile_instructions():
        if keyword == "FROM":
            result.append([])
        result[-1].append((keyword, arguments))
    return result


def copies(stage: list[tuple[str, str]]) -> list[tuple[list[str], str]]:
    """(sources, destination) of each COPY from the build context (not from another stage)."""
    found = []
    for keyword, arguments in stage:
        if keyword == "COPY" and not arguments.startswith("--from"):
            *sources, destination = shlex.split(arguments)
            found.append((sources, destination))
    return found


def exec_form(arguments: str) -> list[str]:
    """A CMD or HEALTHCHECK's JSON argument list (the exec form, which needs no shell)."""
    if arguments.startswith("--"):  # HEALTHCHECK options come before its CMD
        arguments = arguments[arguments.index(" CMD ") + len(" CMD "):]
    value = json.loads(arguments)
    assert isinstance(value, list) and all(isinstance(part, str) for part in value)
    return value


def image_env() -> dict[str, str]:
    """The ENV the final stage sets (KEY=value pairs)."""
    env: dict[str, str] = {}
    for keyword, arguments in stages()[-1]:
        if keyword == "ENV":
            env.update(pair.split("=", 1) for pair in shlex.split(arguments))
    return env


def dockerignore_patterns() -> list[str]:
    lines = (ROOT / ".dockerignore").read_text().splitlines()
    return [line.strip() for line in lines if line.strip() and not line.startswith("#")]


def ignored(relative: str, patterns: list[str]) -> bool:
    """Whether .dockerignore leaves a context path out (the pattern forms this repository uses)."""
    parts = Path(relative).parts
    prefixes = ["/".join(parts[: n + 1]) for n in range(len(parts))]
    for pattern in patterns:
        bare = pattern.removeprefix("**/")
        for prefix in prefixes:
            if fnmatch.fnmatchcase(prefix, pattern):
                return True
            if pattern.startswith("**/") and fnmatch.fnmatchcase(prefix.rsplit("/", 1)[-1], bare):
                return True
    return False


@dataclass
class Installed:
    venv_python: Path
    site_packages: Path
    workdir: Path  # the image's WORKDIR: gunicorn.conf.py and wsgi.py, as the Dockerfile copies them
    env: dict[str, str]


def sh(command: list[str | Path], cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """Run one step to completion within STEP_SECONDS; fail with its output when it fails."""
    result = subprocess.run(
        [str(part) for part in command], cwd=cwd, env=env, capture_output=True, text=True,
        timeout=STEP_SECONDS, check=False,
    )
    assert result.returncode == 0, f"{command} failed:\n{result.stdout}\n{result.stderr}"
    return result


def run(command: list[str | Path], installed: Installed) -> subprocess.CompletedProcess[str]:
    """Run a command from the image's WORKDIR with the installed venv's environment."""
    return sh(command, installed.workdir, installed.env)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Installed:
    """The wheel built as the Dockerfile builds it, installed into a fresh venv, migrated, demo loaded."""
    base = tmp_path_factory.mktemp("install")
    source = base / "src"
    build, final = stages()
    for sources, destination in copies(build):
        for name in sources:
            assert destination in ("./", f"./{name}"), "the build stage keeps the repository's layout"
            origin = ROOT / name
            if origin.is_dir():
                shutil.copytree(origin, source / name, ignore=shutil.ignore_patterns("__pycache__", "*.py[cod]"))
            else:
                source.mkdir(exist_ok=True)
                shutil.copy2(origin, source / name)
    wheels = base / "wheels"
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check", "--no-input"]
    sh([*pip, "wheel", "--no-deps", "--no-build-isolation", "-q", "--wheel-dir", wheels, source], source)
    (wheel,) = wheels.glob("mymovielist-*.whl")

    venv = base / "venv"
    sh([sys.executable, "-m", "venv", "--without-pip", venv], base)
    venv_python = venv / "bin" / "python"
    purelib = "import sysconfig; print(sysconfig.get_paths()['purelib'])"
    site_packages = Path(sh([venv_python, "-c", purelib], base).stdout.strip())
    assert site_packages.is_relative_to(venv) and not list(site_packages.glob("mymovielist*"))
    dependencies = {sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]}
    (site_packages / "_mymovielist_test_dependencies.pth").write_text("\n".join(sorted(dependencies)) + "\n")
    sh([*pip, "--python", venv_python, "install", "--no-deps", "--no-index", "-q", wheel], base)

    workdir = base / "app"
    workdir.mkdir()
    for sources, destination in copies(final):
        assert destination == "./"
        for name in sources:
            shutil.copy2(ROOT / name, workdir / name)
    env = {
        key: value for key, value in os.environ.items()
        if not key.startswith(("MYMOVIELIST_", "FLASK_", "PYTHON", "VIRTUAL_ENV", "PROMETHEUS_"))
    }
    env.update(MYMOVIELIST_INSTANCE_PATH=str(base / "instance"), PYTHONDONTWRITEBYTECODE="1")
    result = Installed(venv_python, site_packages, workdir, env)

    run([venv / "bin" / "mymovielist", "db", "upgrade"], result)
    demo = base / "demo.jsonl.gz"
    run([venv_python, "-c", (
        "import gzip, itertools, sys\n"
        "from mymovielist.services import demo_catalog\n"
        "with gzip.open(demo_catalog.default_path(), 'rt', encoding='utf-8') as f:\n"
        f"    lines = list(itertools.islice(f, {DEMO_TITLES}))\n"
        "with gzip.open(sys.argv[1], 'wt', encoding='utf-8') as out:\n"
        "    out.writelines(lines)\n"
    ), demo], result)
    run([venv / "bin" / "mymovielist", "catalog", "load-demo", "--if-empty", "--path", demo], result)
    return result


def test_the_wheel_carries_migrations_templates_static_files_and_the_demo_catalog(installed):
    package = installed.site_packages / "mymovielist"
    shipped = {p.name for p in (package / "migrations" / "versions").glob("*.py")}
    assert shipped == {p.name for p in (ROOT / "migrations" / "versions").glob("*.py")}
    assert (package / "migrations" / "env.py").is_file() and (package / "migrations" / "alembic.ini").is_file()
    assert (package / "templates" / "base.html").is_file()
    assert (package / "static" / "css" / "app.css").is_file()
    with gzip.open(package / "demo" / "catalog.jsonl.gz", "rt", encoding="utf-8") as f:
        assert sum(1 for _ in f) > 3000  # the whole bundled catalog, intact
    where = run([installed.venv_python, "-c", "import mymovielist; print(mymovielist.__file__)"], installed)
    assert Path(where.stdout.strip()).is_relative_to(package), "the checkout must not be importable here"


def test_mymovielist_db_upgrade_reaches_head_from_the_packaged_migrations(installed):
    mymovielist = installed.venv_python.parent / "mymovielist"
    current = run([mymovielist, "db", "current"], installed)
    heads = run([mymovielist, "db", "heads"], installed)
    head = heads.stdout.split()[0]
    assert f"{head} (head)" in current.stdout
    instance = Path(installed.env["MYMOVIELIST_INSTANCE_PATH"])
    assert (instance / "mymovielist.sqlite3").is_file()  # the database went where the variable said
    stats = run([mymovielist, "catalog", "stats", "--json"], installed)
    assert sum(json.loads(stats.stdout).values()) == DEMO_TITLES


def test_the_console_script_offers_the_app_commands(installed):
    listing = run([installed.venv_python.parent / "mymovielist", "--help"], installed).stdout
    listed = {line.split()[0] for line in listing.partition("Commands:")[2].splitlines() if line.strip()}
    assert {"db", "catalog", "jobs", "run", "sync", "users"} <= listed
    assert "run-once" in run([installed.venv_python.parent / "mymovielist", "jobs", "--help"], installed).stdout


@pytest.fixture
def serve(installed: Installed) -> Iterator:
    """Start a server from the venv on a free port; stop it (and fail on its output) afterwards."""
    servers: list[subprocess.Popen[bytes]] = []
    log = installed.workdir / "server.log"

    def start(command: list[str | Path], port: int, extra_env: dict[str, str]) -> str:
        with log.open("wb") as output:  # a file, not a pipe: a chatty server never blocks on it
            server = subprocess.Popen(
                [str(part) for part in command], cwd=installed.workdir, env={**installed.env, **extra_env},
                stdout=output, stderr=subprocess.STDOUT, start_new_session=True,
            )
        servers.append(server)
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + STEP_SECONDS
        while time.monotonic() < deadline:
            assert server.poll() is None, f"the server exited:\n{log.read_text()}"
            try:
                with urllib.request.urlopen(f"{url}/healthz", timeout=5):
                    return url
            except (urllib.error.URLError, ConnectionError):
                time.sleep(0.3)
        pytest.fail(f"no answer on {url}/healthz within {STEP_SECONDS} s:\n{log.read_text()}")

    yield start
    for server in servers:  # the whole session: gunicorn's workers and the reloader-free dev server
        if server.poll() is None:
            os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()


def get(url: str) -> tuple[int, str]:
    with urllib.request.urlopen(url, timeout=30) as response:
        return response.status, response.read().decode()


def test_the_image_cmd_serves_the_installed_package_and_its_healthcheck_passes(installed, serve):
    final = stages()[-1]
    (cmd,) = [exec_form(arguments) for keyword, arguments in final if keyword == "CMD"]
    assert cmd[0] == "gunicorn"  # a console script of the serve extra; here run as its module
    port = free_port()
    env = {"BIND": f"127.0.0.1:{port}", "WEB_CONCURRENCY": "1"}
    url = serve([installed.venv_python, "-m", *cmd], port, env)

    status, body = get(f"{url}/healthz")
    assert status == 200 and json.loads(body)["status"] == "ok"
    status, body = get(f"{url}/")
    assert status == 200 and "MyMovieList" in body
    (healthcheck,) = [exec_form(arguments) for keyword, arguments in final if keyword == "HEALTHCHECK"]
    assert healthcheck[0] == "python"
    check = subprocess.run(
        [str(installed.venv_python), *healthcheck[1:]], env={**installed.env, **env}, timeout=STEP_SECONDS,
        check=False,
    )
    assert check.returncode == 0


def test_mymovielist_run_serves(installed, serve):
    port = free_port()
    url = serve([installed.venv_python.parent / "mymovielist", "run", "--port", str(port)], port, {})
    assert get(f"{url}/")[0] == 200


def test_the_image_runs_as_an_unprivileged_user_on_a_python_311_base():
    final = stages()[-1]
    assert final[0] == ("FROM", "python:3.11-slim")
    users = [arguments for keyword, arguments in final if keyword == "USER"]
    assert users and users[-1] not in ("root", "0")
    last_user = max(i for i, (keyword, _) in enumerate(final) if keyword == "USER")
    assert all(keyword != "RUN" for keyword, _ in final[last_user:]), "nothing runs as root after USER"
    assert ("EXPOSE", "8000") in final


def test_dockerignore_keeps_out_local_state_but_not_what_the_image_copies():
    patterns = dockerignore_patterns()
    for local in (".venv", ".git", "instance", "instance/secret_key", "mymovielist/__pycache__", ".env"):
        assert ignored(local, patterns), local
    for stage in stages():
        for sources, _ in copies(stage):
            for name in sources:
                assert (ROOT / name).exists() and not ignored(name, patterns), name
    assert not ignored("mymovielist/templates/base.html", patterns)
    assert not ignored("migrations/versions/0001_domain_model.py", patterns)


def test_compose_starts_the_app_and_the_scheduler_only_after_the_migrations_succeeded():
    services = yaml.safe_load((ROOT / "compose.yaml").read_text())["services"]
    migrate = services["migrate"]
    assert "mymovielist db upgrade" in migrate["command"]
    assert migrate["restart"] == "no"  # a one-shot: exits 0 and stays down
    instance = image_env()["MYMOVIELIST_INSTANCE_PATH"]
    for name in ("app", "scheduler"):
        assert services[name]["depends_on"]["migrate"] == {"condition": "service_completed_successfully"}
        assert "db upgrade" not in str(services[name]["command"])  # only migrate migrates
        # One instance volume where the image looks for it: /readyz reads the scheduler's heartbeat.
        assert [v for v in services[name]["volumes"] if v.split(":")[1] == instance]
    assert "jobs run" in services["scheduler"]["command"]


def test_instance_path_comes_from_the_environment(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("MYMOVIELIST_INSTANCE_PATH", "data/instance")  # relative: taken from the cwd
    app = create_app()
    assert app.instance_path == str(tmp_path / "data" / "instance")
    assert app.config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path / 'data' / 'instance' / 'mymovielist.sqlite3'}"
    assert (tmp_path / "data" / "instance" / "secret_key").is_file()


def test_a_checkout_migrates_from_the_top_level_migrations_folder(app):
    assert app.extensions["migrate"].directory == str(ROOT / "migrations")
