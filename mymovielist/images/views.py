"""`/img/<kind>/<id>/<digest>/<width>`: a resized provider image or avatar, or a generated placeholder."""

from __future__ import annotations

from flask import abort, current_app, redirect, request
from flask_login import current_user

from mymovielist.catalog.placeholder import placeholder_svg
from mymovielist.extensions import db
from mymovielist.images import bp
from mymovielist.images.links import KINDS, image_src, source_url
from mymovielist.images.links import digest as digest_of
from mymovielist.images.store import FORMATS, WIDTHS, ImageUnavailable
from mymovielist.models import Character, Person, Title, User
from mymovielist.services import visibility

MODELS = {"title": Title, "person": Person, "character": Character, "avatar": User}
YEAR = "public, max-age=31536000, immutable"
PLACEHOLDER_MAX_AGE = 600  # a failed image is asked for again soon: the provider may be back


@bp.get("/img/<any(title, person, character, avatar):kind>/<int:item_id>/<digest>/<int:width>")
def image(kind: str, item_id: int, digest: str, width: int):
    if width not in WIDTHS or kind not in KINDS:
        abort(404)
    item = db.get_or_404(MODELS[kind], item_id)
    hidden = kind == "avatar" and visibility.is_private(item)
    if hidden and not visibility.can_see(current_user, item):
        abort(404)  # a private profile's picture is shown as its page shows it: to whom it may see
    url = source_url(item, kind)
    if url and digest != digest_of(url):
        # An address from before the image changed: send the browser to the current one.
        response = redirect(image_src(item, kind, width), 302)
        response.headers["Cache-Control"] = "no-cache"
        return response
    fmt = "webp" if request.accept_mimetypes.quality("image/webp") > 0 else "jpeg"
    try:
        if not url:
            raise ImageUnavailable("no image")
        data = current_app.extensions["image_store"].variant(url, width, fmt, any_host=kind == "avatar")
    except ImageUnavailable:
        return _placeholder(item, kind)
    response = current_app.response_class(data, mimetype=FORMATS[fmt][1])
    response.headers["Cache-Control"] = "private, max-age=3600" if hidden else YEAR
    response.vary.add("Accept")
    response.set_etag(f"{digest}-{width}-{fmt}")
    return response.make_conditional(request)


def _placeholder(item, kind: str):
    label = item.title if kind == "title" else item.username if kind == "avatar" else item.name
    svg = placeholder_svg(label, item.kind if kind == "title" else kind)
    response = current_app.response_class(svg, mimetype="image/svg+xml")
    response.headers["Cache-Control"] = f"public, max-age={PLACEHOLDER_MAX_AGE}"
    return response
