"""The public notice (公示) of approved grants, with no sign-in: ``/p/<community>/grants``,
and the objection form on it."""

from flask import Blueprint

bp = Blueprint("grants_public", __name__, url_prefix="/p")
