"""Display formatting for templates and PDFs. Money arrives as integer fen and is never
turned into a float."""

from flask_babel import format_date, format_time, to_user_timezone


def money(fen, symbol="¥"):
    """``123456`` -> ``¥1,234.56``; negative amounts get a leading minus."""
    if fen is None:
        return ""
    if not isinstance(fen, int) or isinstance(fen, bool):
        raise TypeError("money is integer fen")
    sign = "-" if fen < 0 else ""
    yuan, cents = divmod(abs(fen), 100)
    return f"{sign}{symbol}{yuan:,}.{cents:02d}"


def mask_phone(phone):
    """``13812345678`` -> ``138****5678``: enough to recognise, not to call."""
    if not phone:
        return ""
    digits = str(phone)
    if len(digits) < 8:
        return "****"
    return f"{digits[:3]}****{digits[-4:]}"


def date_long(value):
    """2026年11月29日 in Chinese, November 29, 2026 in English."""
    if value is None:
        return ""
    return format_date(value, "long")


def datetime_local(value):
    """A UTC timestamp shown in Asia/Shanghai (the configured zone), to the minute."""
    if value is None:
        return ""
    local = to_user_timezone(value)
    return f"{format_date(local, 'long')} {format_time(local, 'HH:mm')}"


def register(app):
    app.add_template_filter(money, "money")
    app.add_template_filter(mask_phone, "mask_phone")
    app.add_template_filter(date_long, "date_long")
    app.add_template_filter(datetime_local, "datetime_local")
