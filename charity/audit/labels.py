"""Names people read for audit actions and object types. Each domain registers its own,
so the trail reads "创建用户" rather than ``user.create``; the code stays visible too."""

from flask_babel import lazy_gettext as _l

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
}

OBJECT_LABELS = {
    "community": _l("Community"),
    "user": _l("User"),
}


def register(actions=None, objects=None):
    """Add a domain's labels (call at import time of the domain's package)."""
    ACTION_LABELS.update(actions or {})
    OBJECT_LABELS.update(objects or {})


def action_label(action):
    return ACTION_LABELS.get(action, action)


def object_label(object_type):
    return OBJECT_LABELS.get(object_type, object_type)


def actor_label(label):
    return _l("Command line") if label == "cli" else label


def register_filters(app):
    app.add_template_filter(action_label, "audit_action")
    app.add_template_filter(object_label, "audit_object")
    app.add_template_filter(actor_label, "audit_actor")
