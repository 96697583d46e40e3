"""Names people read for audit actions and object types. Each domain registers its own,
so the trail reads "创建用户" rather than ``user.create``; the code stays visible too."""

import json

from flask_babel import lazy_gettext as _l

from charity.i18n import LANGUAGE_NAMES, role_label

ACTION_LABELS = {
    "community.create": _l("Community created"),
    "user.create": _l("User created"),
    "user.update": _l("User changed"),
    "user.reset_password": _l("Temporary password set"),
    "user.change_password": _l("Own password changed"),
    "user.deactivate": _l("User deactivated"),
    "user.reactivate": _l("User reactivated"),
    "user.unlock": _l("Sign-in unlocked"),
    "session.login": _l("Signed in"),
    "session.logout": _l("Signed out"),
    "user.locked": _l("Sign-in locked after failed tries"),
}

OBJECT_LABELS = {
    "community": _l("Community"),
    "user": _l("User"),
    "session": _l("Sign-in"),
}

#: Names of the fields kept in before/after snapshots.
FIELD_LABELS = {
    "username": _l("Username"),
    "display_name": _l("Name"),
    "phone": _l("Mobile phone"),
    "locale": _l("Interface language"),
    "active": _l("Enabled"),
    "roles": _l("Roles"),
    "must_change_password": _l("Must change password"),
    "name": _l("Name"),
    "slug": _l("Short name"),
    "street": _l("Sub-district"),
    "district": _l("District"),
}


def register(actions=None, objects=None, fields=None):
    """Add a domain's labels (call at import time of the domain's package)."""
    ACTION_LABELS.update(actions or {})
    OBJECT_LABELS.update(objects or {})
    FIELD_LABELS.update(fields or {})


def _value(key, value):

    if key == "locale" and not value:
        return _l("Follow the browser")
    if value is None or value == "" or value == []:
        return "—"
    if isinstance(value, bool):
        return _l("Yes") if value else _l("No")
    if key == "roles" and isinstance(value, list):
        return "、".join(str(role_label(v)) for v in value)
    if key == "locale":
        return LANGUAGE_NAMES.get(value, value)
    if isinstance(value, (list, dict)):

        return json.dumps(value, ensure_ascii=False)
    return str(value)


def field_rows(before, after):
    """``[(label, before text, after text, changed)]`` for an audit entry's snapshots."""
    before, after = before or {}, after or {}
    keys = list(before) + [k for k in after if k not in before]
    return [(FIELD_LABELS.get(k, k), _value(k, before.get(k)) if k in before else "",
             _value(k, after.get(k)) if k in after else "", before.get(k) != after.get(k))
            for k in keys]


def action_label(action):
    return ACTION_LABELS.get(action, action)


def object_label(object_type):
    return OBJECT_LABELS.get(object_type, object_type)


def actor_label(label):
    if label == "cli":
        return _l("Command line")
    if label == "anonymous":
        return _l("Not signed in")
    return label


def register_filters(app):
    app.add_template_filter(action_label, "audit_action")
    app.add_template_filter(object_label, "audit_object")
    app.add_template_filter(actor_label, "audit_actor")
