"""Words for the grants' codes, in the user's language."""

from flask_babel import lazy_gettext as _l

from charity.grants.models import (
    ConflictKind,
    DecisionOutcome,
    ObjectionState,
    QuorumRule,
    ReviewerKind,
    VoteChoice,
)
from charity.grants.workflow import STATE_NAMES

QUORUM_LABELS = {
    QuorumRule.majority: _l("A majority of the council members not recused"),
    QuorumRule.two_thirds: _l("Two thirds of the council members not recused"),
}

CONFLICT_LABELS = {
    ConflictKind.none: _l("No conflict of interest"),
    ConflictKind.team_member: _l("I am a member of the applying team"),
    ConflictKind.partner_tie: _l("I am tied to a partner in the budget"),
    ConflictKind.other: _l("Other conflict (give the reason)"),
}

REVIEWER_LABELS = {
    ReviewerKind.council: _l("Council member"),
    ReviewerKind.expert: _l("External expert"),
}

VOTE_LABELS = {
    VoteChoice.approve: _l("Approve"),
    VoteChoice.reject: _l("Reject"),
    VoteChoice.abstain: _l("Abstain"),
}

OUTCOME_LABELS = {
    DecisionOutcome.approved: _l("Approved"),
    DecisionOutcome.rejected: _l("Rejected"),
    DecisionOutcome.no_decision: _l("No decision"),
}

OBJECTION_LABELS = {
    ObjectionState.pending: _l("Under investigation"),
    ObjectionState.upheld: _l("Upheld"),
    ObjectionState.dismissed: _l("Dismissed"),
}


def register_filters(app):
    def lookup(table):
        def label(value):
            if value is None:
                return ""
            for key, text in table.items():
                if key == value or getattr(key, "value", key) == value:
                    return text
            return value
        return label

    app.add_template_filter(lookup(STATE_NAMES), "grant_state")
    app.add_template_filter(lookup(CONFLICT_LABELS), "conflict_kind")
    app.add_template_filter(lookup(REVIEWER_LABELS), "reviewer_kind")
    app.add_template_filter(lookup(VOTE_LABELS), "vote_choice")
    app.add_template_filter(lookup(OUTCOME_LABELS), "decision_outcome")
    app.add_template_filter(lookup(OBJECTION_LABELS), "objection_state")
    app.add_template_filter(lookup(QUORUM_LABELS), "quorum_rule")
