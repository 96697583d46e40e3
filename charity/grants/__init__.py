"""Charity micro-venture grants (慈善微创投): rounds, applications, review with recusal,
council vote with quorum, public notice, agreements, tranches, mid-term evaluations,
expense claims and final reports. Design notes: :mod:`charity.grants.models`.

The blueprint ``grants`` (``/grants``) carries the staff, panel and team pages: the
pre-award half in :mod:`charity.grants.views`, the post-award half in
:mod:`charity.grants.views_award`. The public notice lives on ``grants_public`` (``/p``).
"""

from flask import Blueprint
from flask_babel import lazy_gettext as _l

from charity.audit import labels as audit_labels

bp = Blueprint("grants", __name__, url_prefix="/grants")

audit_labels.register(
    actions={
        "grant.round.create": _l("Grant round created"),
        "grant.round.update": _l("Grant round changed"),
        "grant.panel.add": _l("Reviewer added to a panel"),
        "grant.panel.remove": _l("Reviewer removed from a panel"),
        "grant.application.create": _l("Grant application started"),
        "grant.application.update": _l("Grant application changed"),
        "grant.attachment.add": _l("Attachment added to an application"),
        "grant.conflict": _l("Conflict of interest declared"),
        "grant.score": _l("Application scored"),
        "grant.scoring_closed": _l("Scoring closed by the chair"),
        "grant.vote": _l("Council vote recorded"),
        "grant.decision": _l("Council decision recorded"),
        "grant.objection.lodge": _l("Objection lodged"),
        "grant.objection.upheld": _l("Objection upheld"),
        "grant.objection.dismissed": _l("Objection dismissed"),
        "grant.submit": _l("Application submitted"),
        "grant.start_review": _l("Application accepted for review"),
        "grant.request_info": _l("More information requested"),
        "grant.resubmit": _l("Application resubmitted"),
        "grant.approve": _l("Application approved"),
        "grant.reject": _l("Application rejected"),
        "grant.publish": _l("Grant published for public notice"),
        "grant.cancel": _l("Grant cancelled"),
        "grant.award": _l("Grant awarded"),
        "grant.activate": _l("Grant started"),
        "grant.submit_final_report": _l("Final report submitted"),
        "grant.return_final_report": _l("Final report returned"),
        "grant.close": _l("Grant closed"),
        "grant.terminate": _l("Grant terminated"),
        "grant.withdraw": _l("Application withdrawn"),
        "grant.release": _l("Commitment released to the round"),
    },
    objects={
        "grant_round": _l("Grant round"),
        "grant_application": _l("Grant application"),
        "grant_objection": _l("Objection"),
    },
    fields={
        "requested_fen": _l("Requested (fen)"),
        "approved_fen": _l("Approved (fen)"),
        "released_fen": _l("Released (fen)"),
        "conditions": _l("Conditions"),
        "info_request": _l("Information requested"),
        "notice": _l("Notice period"),
        "cap_fen": _l("Budget cap (fen)"),
        "reviewer": _l("Reviewer"),
        "kind": _l("Type"),
        "weighted": _l("Weighted score"),
        "choice": _l("Vote"),
        "outcome": _l("Outcome"),
        "resolution": _l("Resolution"),
    },
)

from charity.grants import models  # noqa: E402,F401  (models for Alembic; the views are imported by create_app)
