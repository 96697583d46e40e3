"""Grant rounds, applications, review, council decision and public notice (steps 1–4)."""

from charity.grants import bp  # noqa: F401
