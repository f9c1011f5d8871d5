"""Custom list pages and actions: create, show, edit, delete; add, move and remove titles."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from jinja2_fragments.flask import render_block

from mymovielist.auth.access import login_required, safe_next, visible_user_or_404
from mymovielist.errors import render_error
from mymovielist.extensions import db
from mymovielist.htmx import htmx_response, toast, wants_fragment
from mymovielist.ids import db_id
from mymovielist.lists import bp
from mymovielist.lists.forms import AddItemForm, ListForm, MoveForm
from mymovielist.models import CustomList, Title
from mymovielist.reviews.forms import first_error
from mymovielist.services import lists, visibility


def _viewer():
    return current_user._get_current_object() if current_user.is_authenticated else None


@bp.app_context_processor
def _helpers() -> dict:
    def list_picker(title: Title) -> list[lists.PickerRow]:
        return lists.lists_for_picker(current_user, title) if current_user.is_authenticated else []

    return {"list_picker": list_picker}


def _own_list(list_id: int) -> CustomList:
    """The current user's list: 404 if they may not see it, 403 if they may see but not change it."""
    custom_list = lists.get_list(list_id)
    if custom_list is None:
        abort(404)
    if custom_list.user_id != current_user.id:
        abort(403 if visibility.can_see_list(_viewer(), custom_list) else 404)
    return custom_list


def _refuse(message: str, status: int = 422):
    """The status with the reason: a toast for htmx, an error page otherwise."""
    return render_error(status, message)


def _after_item_change(custom_list: CustomList, message: str, title: Title | None = None):
    """The list's items or the detail page's picker for htmx, else back where the form was."""
    if wants_fragment("list-picker") and title is not None:
        html = render_template("lists/_picker.html", title=title, picker_open=True)
        return htmx_response(html, trigger=toast(message, "success"))
    if wants_fragment("list-items"):
        db.session.expire_all()
        html = render_block("lists/show.html", "list_items", custom_list=lists.get_list(custom_list.id), owner=True)
        return htmx_response(html, trigger=toast(message, "success"))
    flash(message, "success")
    return redirect(safe_next(request.form.get("next"), url_for("lists.show", list_id=custom_list.id)))


@bp.route("/lists/new", methods=["GET", "POST"])
@login_required
def create():
    """Create a list (and put a title on it when one was chosen)."""
    user = current_user._get_current_object()
    form = ListForm(is_public=user.preferences.lists_public_by_default if user.preferences else True,
                    title_id=request.args.get("title_id", type=db_id))
    if not form.validate_on_submit():
        return render_template("lists/form.html", form=form, custom_list=None), 422 if form.errors else 200
    try:
        custom_list = lists.create_list(user, form.name.data, form.description.data,
                                        is_public=form.is_public.data, is_ranked=form.is_ranked.data)
        title = db.session.get(Title, form.title_id.data) if form.title_id.data else None
        if title is not None:
            lists.add_item(custom_list, title)
    except lists.ListError as error:
        form.name.errors = [str(error)]
        return render_template("lists/form.html", form=form, custom_list=None), 422
    db.session.commit()
    flash(f"Your list “{custom_list.name}” is created.", "success")
    return redirect(url_for("lists.show", list_id=custom_list.id))


@bp.get("/lists/<int:list_id>")
def show(list_id: int):
    """Show a list to whoever may see it (`visibility.can_see_list`)."""
    custom_list = lists.get_list(list_id)
    if custom_list is None or not visibility.can_see_list(_viewer(), custom_list):
        abort(404)
    owner = current_user.is_authenticated and current_user.id == custom_list.user_id
    return render_template("lists/show.html", custom_list=custom_list, owner=owner)


@bp.route("/lists/<int:list_id>/edit", methods=["GET", "POST"])
@login_required
def edit(list_id: int):
    """Rename, describe, and set the privacy and ranking of your list."""
    custom_list = _own_list(list_id)
    form = ListForm(obj=custom_list)
    if not form.validate_on_submit():
        return render_template("lists/form.html", form=form, custom_list=custom_list), 422 if form.errors else 200
    try:
        lists.update_list(custom_list, form.name.data, form.description.data,
                          is_public=form.is_public.data, is_ranked=form.is_ranked.data)
    except lists.ListError as error:
        form.name.errors = [str(error)]
        return render_template("lists/form.html", form=form, custom_list=custom_list), 422
    db.session.commit()
    flash("Your list is saved.", "success")
    return redirect(url_for("lists.show", list_id=custom_list.id))


@bp.post("/lists/<int:list_id>/delete")
@login_required
def delete(list_id: int):
    """Delete your list."""
    custom_list = _own_list(list_id)
    lists.delete_list(custom_list)
    db.session.commit()
    flash(f"Your list “{custom_list.name}” is deleted.", "success")
    return redirect(url_for("lists.user_lists", username=current_user.username))


@bp.post("/lists/<int:list_id>/items")
@login_required
def add_item(list_id: int):
    """Put a title at the end of your list."""
    custom_list = _own_list(list_id)
    form = AddItemForm()
    if not form.validate():
        return _refuse(first_error(form))
    title = db.session.get(Title, form.title_id.data)
    if title is None:
        return _refuse("That title does not exist.", 404)
    try:
        _, added = lists.add_item(custom_list, title, form.note.data or "")
    except lists.ListError as error:
        return _refuse(str(error))
    db.session.commit()
    message = f"Added to “{custom_list.name}”." if added else f"Already on “{custom_list.name}”."
    return _after_item_change(custom_list, message, title)


@bp.post("/lists/<int:list_id>/items/<int:item_id>/delete")
@login_required
def remove_item(list_id: int, item_id: int):
    """Take a title off your list."""
    custom_list = _own_list(list_id)
    item = lists.get_item(custom_list, item_id) or abort(404)
    title = item.title
    lists.remove_item(custom_list, item)
    db.session.commit()
    return _after_item_change(custom_list, f"Removed from “{custom_list.name}”.", title)


@bp.post("/lists/<int:list_id>/items/<int:item_id>/move")
@login_required
def move_item(list_id: int, item_id: int):
    """Move a title one place up or down your list."""
    custom_list = _own_list(list_id)
    item = lists.get_item(custom_list, item_id) or abort(404)
    form = MoveForm()
    if not form.validate():
        return _refuse("Move an item up or down.", 400)
    moved = lists.move_item(custom_list, item, form.direction.data)
    db.session.commit()
    edge = "first" if form.direction.data == "up" else "last"
    return _after_item_change(custom_list, "Moved." if moved else f"It is already {edge}.")


@bp.get("/users/<username>/lists")
def user_lists(username: str):
    """Show a user's lists that you may see."""
    owner = visible_user_or_404(username)
    summaries = lists.list_user_lists(owner, _viewer())
    return render_template("lists/user_lists.html", owner=owner, summaries=summaries)
