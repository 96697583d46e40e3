"""Named errors of the micro-venture grants. Each leaves the database unchanged."""

from flask_babel import lazy_gettext as _l

# IllegalTransition: the one class of charity.errors, re-exported for the grants' callers.
from charity.errors import CharityError, IllegalTransition, ValidationFailed  # noqa: F401


class GrantError(CharityError):
    """Base of the grants' business-rule errors."""


class CapExceeded(GrantError):
    """Approving the amount would take the round's committed total above its cap."""

    @staticmethod
    def default_message():
        return _l("The round's budget cap does not leave room for this amount.")


class Recused(GrantError):
    """The reviewer declared a conflict of interest on this application."""

    @staticmethod
    def default_message():
        return _l("You declared a conflict of interest on this application: "
                  "you may neither score nor vote on it.")


class NotOnPanel(GrantError):
    """The user is not on the round's review panel (or not a council member for a vote)."""

    @staticmethod
    def default_message():
        return _l("You are not on this round's review panel.")


class NoDeclaration(GrantError):
    """A panel member scores only after declaring conflicts (or none)."""

    @staticmethod
    def default_message():
        return _l("Declare your conflicts of interest (or that you have none) before scoring.")


class NotAnAttendee(GrantError):
    """A vote is recorded only for a council member who attended the meeting."""

    @staticmethod
    def default_message():
        return _l("Only council members who attended the meeting can vote in it.")


class ObjectionPending(GrantError):
    """An objection to the grant is not resolved yet."""

    @staticmethod
    def default_message():
        return _l("An objection to this grant is not resolved yet.")


class NoticeNotOver(GrantError):
    """The public notice period has not ended."""

    @staticmethod
    def default_message():
        return _l("The public notice period has not ended yet.")


class ScoringOpen(GrantError):
    """A decision waits until every panel member has scored or the chair closed scoring."""

    @staticmethod
    def default_message():
        return _l("Scoring is still open: every reviewer must score, or the chair must close scoring.")


class NotTheLeader(GrantError):
    """Only the team's current leader acts for the team."""

    @staticmethod
    def default_message():
        return _l("Only the team's leader can do this.")


class RoundClosed(GrantError):
    """Applications are submitted only while the round is open."""

    @staticmethod
    def default_message():
        return _l("The round is not open for applications.")


class BudgetInvalid(ValidationFailed):
    """A budget line or total that does not add up, or a total above the round's maximum."""


class RoundInvalid(ValidationFailed):
    """A round setting that breaks a rule (weights not summing to 100, say)."""


class AgreementUnsigned(GrantError):
    """No money moves before the funding agreement is signed by both sides."""

    @staticmethod
    def default_message():
        return _l("Record the funding agreement as signed by both sides before paying.")


class AlreadySigned(GrantError):
    @staticmethod
    def default_message():
        return _l("The agreement is recorded as signed already.")


class ExceedsAward(GrantError):
    """A tranche would take the money paid above the amount awarded."""

    @staticmethod
    def default_message():
        return _l("This payment would take the grant above the amount awarded.")


class ExceedsAdvance(GrantError):
    """A claim would take the spending above the money paid to the team and not spent."""

    @staticmethod
    def default_message():
        return _l("The claim is more than the money paid to the team and not yet spent.")


class TrancheNotPayable(GrantError):
    """The tranche is paid or stopped already, or an earlier one is unpaid."""


class EvaluationRequired(GrantError):
    """A tranche after the first waits for a passed mid-term evaluation."""

    @staticmethod
    def default_message():
        return _l("This tranche is paid only after a passed mid-term evaluation.")


class PaymentsStopped(GrantError):
    """A failed mid-term evaluation (or the end of the grant) stopped every later tranche."""

    @staticmethod
    def default_message():
        return _l("Payments to this grant are stopped.")


class NotAnEvaluator(GrantError):
    @staticmethod
    def default_message():
        return _l("Only council members evaluate and accept reports.")


class ClaimsPending(GrantError):
    @staticmethod
    def default_message():
        return _l("Decide the expense claims still waiting first.")


class PlanInvalid(ValidationFailed):
    """A tranche plan that is not whole percentages summing to 100."""


class AlreadyDone(GrantError):
    """A conflict is declared, a score sheet submitted or a meeting's vote recorded once."""


class NoticeClosed(GrantError):
    """Objections are lodged only while the grant is in its notice period."""

    @staticmethod
    def default_message():
        return _l("This grant is not in its public notice period.")


class TooManyObjections(GrantError):
    """One client address lodged ``GRANT_OBJECTIONS_PER_ADDRESS_PER_DAY`` objections in
    the community within 24 hours."""

    @staticmethod
    def default_message():
        return _l("Too many objections have been lodged from this network today. Please try "
                  "again tomorrow, or tell the community service centre in person.")
