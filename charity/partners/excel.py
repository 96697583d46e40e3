"""Partners and services to and from ``.xlsx`` (openpyxl).

An import checks every row first and writes nothing unless every row is good; the
report names each bad row by sheet and number. Uploads are capped in size and rows and
must be a real workbook (a zip holding a spreadsheet), whatever the file is called.
"""

import io
import re
import zipfile
from datetime import date, datetime

import openpyxl
import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from openpyxl.cell import WriteOnlyCell

from charity.audit.services import record
from charity.extensions import db
from charity.formatting import mask_phone
from charity.forms import CONTROL_CHARACTERS
from charity.partners import services
from charity.partners.errors import ImportRejected  # noqa: F401  (callers use the names here too)
from charity.partners.models import BeneficiaryGroup, Partner, PartnerKind, PartnerStatus, Service

PARTNER_COLUMNS = ["name", "kind", "address", "contact_person", "phone", "opening_hours",
                   "joined_on", "status", "is_charity_partner", "partner_signed_on"]
SERVICE_COLUMNS = ["partner", "category", "name", "description", "target_groups", "schedule",
                   "monthly_quota", "points_price", "active"]

#: Largest upload accepted, and most rows per sheet: far above a community's partners.
MAX_BYTES = 2 * 1024 * 1024
MAX_ROWS = 2000
#: A zip that unpacks to more than this is refused (a "zip bomb").
MAX_UNPACKED_BYTES = 40 * 1024 * 1024

PHONE = re.compile(r"^(1[3-9]\d{9}|0\d{2,3}-?\d{7,8}|\d{7,8})$")
LIMITS = {"name": 200, "address": 200, "contact_person": 80, "opening_hours": 200,
          "category": 60, "schedule": 200, "description": 2000, "partner": 200}
TRUE = {"true", "1", "yes", "y", "是"}
FALSE = {"false", "0", "no", "n", "否", ""}


# -- export ---------------------------------------------------------------------------------


def _append(sheet, values):
    """Append a row with every text as text: a name starting with "=" is never a formula
    (openpyxl would write it as one; Excel would run it)."""
    cells = []
    for value in values:
        cell = WriteOnlyCell(sheet, value)
        if isinstance(value, str) and value.startswith("="):
            cell.data_type = "s"
        cells.append(cell)
    sheet.append(cells)


def export_workbook(community, *, full_phones):
    """The community's partners and services as ``.xlsx`` bytes (phones masked unless
    ``full_phones``)."""

    wb = openpyxl.Workbook(write_only=True)
    sheet = wb.create_sheet("partners")
    sheet.append(PARTNER_COLUMNS)
    partners = db.session.scalars(sa.select(Partner).where(Partner.community_id == community.id)
                                  .order_by(Partner.id)).all()
    for p in partners:
        _append(sheet, [p.name, p.kind.value, p.address, p.contact_person,
                      p.phone if full_phones else mask_phone(p.phone), p.opening_hours,
                      p.joined_on, p.status.value, p.is_charity_partner, p.partner_signed_on])
    sheet = wb.create_sheet("services")
    sheet.append(SERVICE_COLUMNS)
    rows = db.session.scalars(sa.select(Service).where(Service.community_id == community.id)
                              .order_by(Service.partner_id, Service.id)).all()
    for s in rows:
        _append(sheet, [s.partner.name, s.category.name, s.name, s.description, s.target_groups,
                      s.schedule, s.monthly_quota, s.points_price, s.active])
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


# -- import -----------------------------------------------------------------------------------


def _open(data):
    """The workbook in ``data``, or ImportRejected with a file-level problem."""
    def reject(message):
        raise ImportRejected([("", 0, message)])

    if len(data) > MAX_BYTES:
        reject(_l("The file is larger than %(size)s MB.", size=MAX_BYTES // (1024 * 1024)))
    if not data.startswith(b"PK\x03\x04"):
        reject(_l("This is not an Excel workbook (.xlsx)."))
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = set(archive.namelist())
            unpacked = sum(i.file_size for i in archive.infolist())
    except zipfile.BadZipFile:
        reject(_l("This is not an Excel workbook (.xlsx)."))
    if not {"[Content_Types].xml", "xl/workbook.xml"} <= names:
        reject(_l("This is not an Excel workbook (.xlsx)."))
    if unpacked > MAX_UNPACKED_BYTES:
        reject(_l("The workbook is too large to read."))
    try:
        return openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:  # openpyxl raises many kinds on damaged files
        reject(_l("The workbook could not be read; save it again from Excel as .xlsx."))


def _rows(workbook, name, columns, problems):
    if name not in workbook.sheetnames:
        problems.append((name, 0, _l("The sheet %(sheet)s is missing.", sheet=name)))
        return []
    out = []
    for number, row in enumerate(workbook[name].iter_rows(values_only=True), start=1):
        if number == 1:
            header = [("" if v is None else str(v).strip()) for v in row]
            while header and header[-1] == "":
                header.pop()
            if header != columns:
                problems.append((name, 1, _l("The columns must be, in order: %(columns)s.",
                                             columns=", ".join(columns))))
                return []
            continue
        if all(v is None or (isinstance(v, str) and not v.strip()) for v in row):
            continue
        if len(out) >= MAX_ROWS:
            problems.append((name, number, _l("More than %(max)s rows; split the file.", max=MAX_ROWS)))
            return []
        values = list(row[:len(columns)]) + [None] * (len(columns) - len(row))
        out.append((number, dict(zip(columns, values, strict=True))))
    return out


def _text(value, key, problems, where, required=False):
    if value is None:
        text = ""
    elif isinstance(value, float) and value.is_integer():
        text = str(int(value))
    else:
        text = str(value).strip()
    if required and not text:
        problems.append((*where, _l("%(column)s is empty.", column=key)))
    elif CONTROL_CHARACTERS.search(text):
        problems.append((*where, _l("%(column)s contains characters that are not allowed.", column=key)))
    elif len(text) > LIMITS.get(key, 200):
        problems.append((*where, _l("%(column)s is longer than %(max)s characters.",
                                    column=key, max=LIMITS.get(key, 200))))
    return text


def _date(value, key, problems, where):
    if value in (None, ""):
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value).strip())
    except ValueError:
        problems.append((*where, _l("%(column)s is not a date (YYYY-MM-DD).", column=key)))
        return None


def _bool(value, key, problems, where, default):
    if value is None:
        return default
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in TRUE:
        return True
    if text in FALSE:
        return False if text else default
    problems.append((*where, _l("%(column)s must be TRUE or FALSE.", column=key)))
    return default


def _positive(value, key, problems, where):
    if value in (None, ""):
        return None
    try:
        number = int(value) if not isinstance(value, float) or value.is_integer() else None
    except (TypeError, ValueError):
        number = None
    if number is None or isinstance(value, bool) or number <= 0:
        problems.append((*where, _l("%(column)s must be a whole number above zero.", column=key)))
        return None
    return number


def _choice(value, key, enum_cls, problems, where, default=None):
    text = "" if value is None else str(value).strip()
    if not text and default is not None:
        return default
    try:
        return enum_cls(text)
    except ValueError:
        problems.append((*where, _l("%(column)s must be one of: %(values)s.", column=key,
                                    values=", ".join(m.value for m in enum_cls))))
        return default


def check_workbook(community, data):
    """Read and check every row. Returns ``(partners, services)`` ready to write.

    :raises ImportRejected: with every problem found, by sheet and row number.
    """
    workbook = _open(data)
    problems = []
    try:
        partner_rows = _rows(workbook, "partners", PARTNER_COLUMNS, problems)
        service_rows = _rows(workbook, "services", SERVICE_COLUMNS, problems)
    finally:
        workbook.close()
    if problems:
        raise ImportRejected(problems)
    existing = set(db.session.scalars(sa.select(Partner.name).where(Partner.community_id == community.id)))
    partners, seen = [], {}
    for number, row in partner_rows:
        where = ("partners", number)
        name = _text(row["name"], "name", problems, where, required=True)
        if name in seen:
            problems.append((*where, _l("The name %(name)s is also in row %(row)s.", name=name,
                                        row=seen[name])))
        elif name in existing:
            problems.append((*where, _l("A partner named %(name)s already exists.", name=name)))
        seen.setdefault(name, number)
        phone = _text(row["phone"], "phone", problems, where).replace(" ", "")
        if phone and not PHONE.match(phone):
            problems.append((*where, _l("phone %(value)s is not a phone number.", value=phone)))
        entry = {
            "name": name,
            "kind": _choice(row["kind"], "kind", PartnerKind, problems, where),
            "address": _text(row["address"], "address", problems, where),
            "contact_person": _text(row["contact_person"], "contact_person", problems, where),
            "phone": phone,
            "opening_hours": _text(row["opening_hours"], "opening_hours", problems, where),
            "joined_on": _date(row["joined_on"], "joined_on", problems, where),
            "status": _choice(row["status"], "status", PartnerStatus, problems, where,
                              default=PartnerStatus.active),
            "is_charity_partner": _bool(row["is_charity_partner"], "is_charity_partner",
                                        problems, where, False),
            "partner_signed_on": _date(row["partner_signed_on"], "partner_signed_on", problems, where),
        }
        if entry["is_charity_partner"] and not entry["partner_signed_on"]:
            problems.append((*where, _l("partner_signed_on is needed for a charity merchant partner.")))
        partners.append(entry)
    offered = {}
    service_entries = []
    for number, row in service_rows:
        where = ("services", number)
        partner = _text(row["partner"], "partner", problems, where, required=True)
        if partner and partner not in seen and partner not in existing:
            problems.append((*where, _l("No partner named %(name)s.", name=partner)))
        name = _text(row["name"], "name", problems, where, required=True)
        key = (partner, name)
        if key in offered:
            problems.append((*where, _l("The name %(name)s is also in row %(row)s.", name=name,
                                        row=offered[key])))
        offered.setdefault(key, number)
        groups = [v.strip() for v in _text(row["target_groups"], "target_groups", problems,
                                            where).split(",") if v.strip()]
        bad = [v for v in groups if v not in {m.value for m in BeneficiaryGroup}]
        if bad:
            problems.append((*where, _l("target_groups must be among: %(values)s.",
                                        values=", ".join(m.value for m in BeneficiaryGroup))))
        service_entries.append({
            "partner": partner,
            "category": _text(row["category"], "category", problems, where, required=True),
            "name": name,
            "description": _text(row["description"], "description", problems, where),
            "target_groups": [] if bad else groups,
            "schedule": _text(row["schedule"], "schedule", problems, where),
            "monthly_quota": _positive(row["monthly_quota"], "monthly_quota", problems, where),
            "points_price": _positive(row["points_price"], "points_price", problems, where),
            "active": _bool(row["active"], "active", problems, where, True),
        })
    if problems:
        raise ImportRejected(problems)
    return partners, service_entries


def import_workbook(community, data, *, actor=None):
    """Check the whole file, then add its partners and services (and any category not
    yet in the community's list). Returns ``(partners added, services added)``.

    :raises ImportRejected: nothing is written.
    """
    partners, service_entries = check_workbook(community, data)
    by_name = {}
    for entry in partners:
        by_name[entry["name"]] = services.create_partner(community, entry, actor=actor)
    for entry in service_entries:
        partner = by_name.get(entry["partner"]) or db.session.scalar(
            sa.select(Partner).where(Partner.community_id == community.id, Partner.name == entry["partner"]))
        category = services.category_by_name(community, entry["category"], create=True)
        data = dict(entry, category_id=category.id)
        services.create_service(partner, data, actor=actor)
    record("partners.import", "partner", None, community=community, actor=actor,
           after={"partners": len(partners), "services": len(service_entries)})
    return len(partners), len(service_entries)
