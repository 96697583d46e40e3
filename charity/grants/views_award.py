"""Agreement, award, tranches, mid-term evaluation, expense claims and final report
(steps 5–7): routes on the ``grants`` blueprint."""

from charity.grants import bp  # noqa: F401
