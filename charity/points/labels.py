"""Names shown for the points' enums (translated)."""

from flask_babel import lazy_gettext as _l

from charity.points.models import EntryKind, IdType, RedemptionState
from charity.projects.forms import KIND_LABELS as ACTIVITY_KIND_NAMES  # noqa: F401  (one list of names)

ENTRY_KIND_NAMES = {
    EntryKind.earn: _l("Earned"),
    EntryKind.hold: _l("Held for a code"),
    EntryKind.redeem: _l("Redeemed"),
    EntryKind.release: _l("Returned"),
    EntryKind.expire: _l("Expired"),
    EntryKind.adjust: _l("Adjusted"),
}

REDEMPTION_STATE_NAMES = {
    RedemptionState.held: _l("waiting to be used"),
    RedemptionState.redeemed: _l("used"),
    RedemptionState.cancelled: _l("cancelled"),
    RedemptionState.expired: _l("expired"),
}

ID_TYPE_NAMES = {
    IdType.resident_id: _l("Resident identity card"),
    IdType.hk_macao: _l("Mainland travel permit for Hong Kong and Macao residents"),
    IdType.taiwan: _l("Mainland travel permit for Taiwan residents"),
    IdType.passport: _l("Passport"),
    IdType.foreign_permit: _l("Foreigner's permanent residence ID card"),
}
