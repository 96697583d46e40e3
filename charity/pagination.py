"""List pages: paging in the database, and links that keep a list's filters."""

from flask import current_app, request
from werkzeug.routing import IntegerConverter

from charity.extensions import db

#: Far beyond any real list; keeps a typed ?page=10**30 from overflowing the database.
MAX_PAGE = 100_000


class IdConverter(IntegerConverter):
    """``<id:name>``: a positive integer that fits a BIGINT (larger ones are a 404, not
    an overflow in the database driver)."""

    def __init__(self, url_map):
        super().__init__(url_map, min=1, max=2**63 - 1)


def paginate(stmt):
    try:
        page = int(request.args.get("page", 1))
    except ValueError:
        page = 1
    page = min(max(page, 1), MAX_PAGE)
    return db.paginate(stmt, page=page, per_page=current_app.config["PAGE_SIZE"], error_out=False)


def query_args(form):
    """The filters a GET form received, to carry into pager and export links. Only the
    form's own fields: never ``endpoint``, ``_external`` or other ``url_for`` keywords."""
    return {field.name: field.raw_data[0] for field in form
            if field.raw_data and field.raw_data[0] not in ("", None)}
