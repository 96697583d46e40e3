"""The public notice (公示) of approved grants, with no sign-in: ``/p/<community>/grants``,
and the objection form on it.

The page shows only what the notice publishes: team, project, amount, notice period and
the names of the review panel; the failed mid-term evaluations (published by rule) are on
``/p/<community>/grants/evaluations`` (:mod:`charity.grants.views_award`). Never a
contact, a phone number, a score or a vote.
"""

import sqlalchemy as sa
from flask import Blueprint, abort, render_template, request, url_for
from flask_babel import gettext as _

from charity.accounts.models import Community
from charity.errors import CharityError
from charity.extensions import db
from charity.grants import errors
from charity.grants import notice as public_notice
from charity.grants.forms import ObjectionForm
from charity.models_base import local_today
from charity.web import submit

bp = Blueprint("grants_public", __name__, url_prefix="/p")


def _community_or_404(slug):
    community = db.session.scalar(sa.select(Community).where(Community.slug == slug))
    if community is None:
        abort(404)
    return community


def _render(community, form=None, failed_id=None, status=200):
    return render_template("grants/public/notice.html", community=community,
                           grants=public_notice.public_notices(community),
                           form=form or ObjectionForm(formdata=None),
                           failed_id=failed_id, today=local_today()), status


@bp.route("/<slug>/grants")
def notice(slug):
    return _render(_community_or_404(slug))


@bp.route("/<slug>/grants/<id:application_id>/objection", methods=["POST"])
def objection(slug, application_id):
    community = _community_or_404(slug)
    form = ObjectionForm()

    def lodge(form):
        try:
            public_notice.lodge_objection(community, application_id, name=form.name.data,
                                          contact=form.contact.data, reason=form.reason.data,
                                          address=request.remote_addr)
        except errors.NoticeClosed:
            abort(404)
        return _("Your objection is recorded. The council will investigate it before the grant "
                 "is awarded.")

    return submit(form, lodge, success=url_for("grants_public.notice", slug=slug),
                  fields={CharityError: "reason"}, render=lambda status: _render(
                      community, form=form, failed_id=application_id, status=status))
