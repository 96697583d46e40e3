"""Browsing, filtering and exporting the audit trail (admins and auditors)."""

import csv
import io
import json

from flask import Blueprint, Response, current_app, g, render_template, request, stream_with_context
from flask_babel import gettext as _

from charity.accounts.access import get_scoped_or_404, mask_personal, requires
from charity.audit.forms import AuditFilterForm
from charity.audit.labels import action_label, actor_label, field_rows, object_label
from charity.audit.models import AuditEvent
from charity.audit.services import filtered_events
from charity.extensions import db
from charity.models_base import local_zone
from charity.pagination import paginate, query_args

bp = Blueprint("audit", __name__, url_prefix="/audit")

#: Spreadsheet programs run cells starting with these as formulas.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _cell(value):
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text



def _query_from(form):
    if not form.validate():
        return None
    return filtered_events(
        g.community,
        actor=form.actor.data, action=form.action.data, object_type=form.object_type.data,
        object_id=form.object_id.data, date_from=form.date_from.data, date_to=form.date_to.data,
        tz=local_zone(),
    )


@bp.route("/")
@requires("admin", "council", "auditor")
def index():
    form = AuditFilterForm(request.args)
    stmt = _query_from(form)
    page = paginate(stmt) if stmt is not None else None
    return render_template("audit/index.html", form=form, page=page, args=query_args(form)), \
        (200 if page is not None else 400)


@bp.route("/<id:event_id>")
@requires("admin", "council", "auditor")
def detail(event_id):
    event = get_scoped_or_404(AuditEvent, event_id)
    rows = field_rows(mask_personal(event.before), mask_personal(event.after))
    return render_template("audit/detail.html", event=event, rows=rows,
                           has_before=event.before is not None)


def _json(data):
    """Before/after as text, personal data masked for roles that don't need it."""
    if data is None:
        return ""
    return json.dumps(mask_personal(data), ensure_ascii=False)


@bp.route("/export.csv")
@requires("admin", "council", "auditor")
def export():
    """The filtered trail as CSV (UTF-8 with BOM so spreadsheet programs show Chinese)."""
    form = AuditFilterForm(request.args)
    stmt = _query_from(form)
    if stmt is None:
        return render_template("audit/index.html", form=form, page=None, args={}), 400
    header = [_("ID"), _("Time (%(zone)s)", zone=current_app.config["BABEL_DEFAULT_TIMEZONE"]),
              _("Name now"), _("Username at the time"), _("Action"),
              _("Action code"), _("Record type"), _("Record number"), _("Record name"),
              _("Before"), _("After"), _("IP address")]
    tz = local_zone()

    def rows():
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        buffer.write("\ufeff")
        writer.writerow(header)
        for event in db.session.scalars(stmt.execution_options(yield_per=500)):
            writer.writerow([
                event.id,
                event.created_at.astimezone(tz).strftime("%Y-%m-%d %H:%M:%S"),
                _cell(event.actor.display_name if event.actor else actor_label(event.actor_label)),
                _cell(event.actor_label),
                _cell(action_label(event.action)),
                _cell(event.action),
                _cell(object_label(event.object_type)),
                _cell(event.object_id),
                _cell(event.object_label),
                _cell(_json(event.before)),
                _cell(_json(event.after)),
                _cell(event.address),
            ])
            if buffer.tell() > 64 * 1024:
                yield buffer.getvalue()
                buffer.seek(0)
                buffer.truncate()
        yield buffer.getvalue()

    filename = f"audit-{g.community.slug}.csv"
    return Response(stream_with_context(rows()), mimetype="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})



