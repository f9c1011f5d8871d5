"""The app's provider clients, built once per app so every caller shares one set of rate limiters."""

from __future__ import annotations

import threading

from flask import current_app

from mymovielist.providers.factory import Clients, build_clients

_lock = threading.Lock()


def get_clients() -> Clients:
    """The current app's clients (built from its config on first use)."""
    app = current_app._get_current_object()
    with _lock:
        clients = app.extensions.get("provider_clients")
        if clients is None:
            clients = app.extensions["provider_clients"] = build_clients(app.config)
    return clients
