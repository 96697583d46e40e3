"""Default settings.

Order of precedence (last wins): these defaults, ``instance/config.py``, ``CHARITY_*``
environment variables (``CHARITY_SECRET_KEY`` sets ``SECRET_KEY``), then the
``test_config`` given to :func:`charity.create_app`. The database URL is
``CHARITY_DATABASE_URL``, falling back to ``DATABASE_URL``, falling back to SQLite in the
instance folder.
"""

from datetime import timedelta

#: Filled by create_app when nothing else sets it.
DATABASE_URL = None

SQLALCHEMY_TRACK_MODIFICATIONS = False
SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}

#: Upload limit for a whole request (an evidence photo plus its form).
MAX_CONTENT_LENGTH = 16 * 1024 * 1024
#: Largest evidence file accepted (a phone photo or a scanned sign-in sheet).
UPLOAD_MAX_BYTES = 10 * 1024 * 1024
#: Evidence photos are scaled down to at most this many pixels on the longer side.
UPLOAD_IMAGE_MAX_SIDE = 2000
#: Text fields of a form (werkzeug's own limit for non-file parts).
MAX_FORM_MEMORY_SIZE = 512 * 1024

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
#: Set CHARITY_SESSION_COOKIE_SECURE=true when served over HTTPS.
SESSION_COOKIE_SECURE = False
SESSION_COOKIE_NAME = "charity_session"
#: Absolute limit: a signed-in session ends this long after login, whatever happens.
PERMANENT_SESSION_LIFETIME = timedelta(hours=12)
#: Idle limit: a session unused for this long ends.
SESSION_IDLE_MINUTES = 60

#: CSRF tokens live as long as the session: slow users must never meet "token expired".
WTF_CSRF_TIME_LIMIT = None
WTF_CSRF_SSL_STRICT = True

#: werkzeug hash method for new passwords. Tests use a cheap one; keep scrypt in production.
PASSWORD_HASH_METHOD = "scrypt"

#: Login throttling, per account name and per client address.
LOGIN_WINDOW_MINUTES = 15
LOGIN_MAX_FAILURES_PER_ACCOUNT = 5
LOGIN_MAX_FAILURES_PER_ADDRESS = 30
LOGIN_LOCK_MINUTES = 15
#: Networks (CIDR) exempt from the per-address limit, such as the service centre's own
#: office behind one NAT address. The per-account limit still applies there.
LOGIN_TRUSTED_NETWORKS = []

#: Number of reverse proxies in front of the app whose X-Forwarded-* headers to trust.
PROXY_FIX_X_FOR = 0
PROXY_FIX_X_PROTO = 0

#: Level of the app's log lines on standard error (DEBUG, INFO, WARNING, ERROR).
LOG_LEVEL = "INFO"
#: One JSON object per line (CHARITY_LOG_JSON=true), for a log collector.
LOG_JSON = False

BABEL_DEFAULT_LOCALE = "zh"
BABEL_DEFAULT_TIMEZONE = "Asia/Shanghai"
#: Locales the interface offers, in order of preference.
LANGUAGES = ("zh", "en")

#: Rows per page in list screens.
PAGE_SIZE = 25

#: TrueType font embedded in every PDF (a .ttf, or a .ttc with PDF_FONT_INDEX). None means
#: the bundled WenQuanYi Micro Hei (charity/fonts/). OpenType/CFF fonts such as Noto CJK
#: cannot be embedded by ReportLab.
PDF_FONT_PATH = None
PDF_FONT_INDEX = 0

#: Days off besides Saturdays and Sundays for the grants' public-notice period (ISO dates,
#: e.g. ["2026-10-01", "2026-10-02"]). The built-in calendar knows no statutory holidays.
GRANT_NOTICE_HOLIDAYS = []
#: Objections one client address may lodge per community in 24 hours on the public notice
#: page (no sign-in there): enough for a resident, not for a flood that stalls every award.
GRANT_OBJECTIONS_PER_ADDRESS_PER_DAY = 5
