"""Cross-domain events, as blinker signals (Flask's own dependency).

A domain that reacts to another's event connects a receiver in its own
``connect_signals()``; ``charity.create_app`` calls
each one. So the wiring does not depend on which modules a script happened to import:
every app built by ``create_app`` reacts the same. Receivers run synchronously, in the
sender's transaction: a receiver that raises undoes the whole request.

Adding a signal: declare it here with what it sends, ``send`` it from the service where
the event happens, connect the receiver in the reacting domain's ``connect_signals()``
(``weak=False``; connecting twice is harmless) and list that function in
``charity._connect_signals`` (the app factory) if it is new.
"""

from blinker import Namespace

_signals = Namespace()

#: A community was created (``sender``: the community, already flushed). Each domain
#: seeds what a community starts with; receivers must be idempotent.
community_created = _signals.signal("community-created")

#: Staff verified an activity (``sender``: the activity; ``replaced``: the superseded
#: original when the activity is an amendment, else None; ``actor``: who verified it).
#: Sent once per verification.
activity_verified = _signals.signal("activity-verified")

#: A grant took a step that its funded project follows (``sender``: the grant;
#: ``action``: ``activate`` (first tranche paid), ``close`` or ``terminate``; ``project``:
#: the funded project or None; ``actor``).
grant_moved = _signals.signal("grant-moved")

