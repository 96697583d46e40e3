"""The journal of a period as CSV and XLSX, one row per line, for auditors' own tools."""

import csv
import io

import sqlalchemy as sa
from flask_babel import gettext as _
from openpyxl import Workbook

from charity.extensions import db
from charity.fund import chart
from charity.fund.models import FundAccount, JournalEntry, JournalLine, SubFund

#: Spreadsheet programs run cells starting with these as formulas.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _cell(value):
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


def header():
    return [_("Entry number"), _("Value date"), _("Memo"), _("Reference"), _("Reference number"),
            _("Grant or project"), _("Account code"), _("Account"), _("Debit (fen)"), _("Credit (fen)"),
            _("Restricted fund"), _("Purpose"), _("Reverses entry"), _("Posted by"), _("Posted at (UTC)"),
            _("Entry hash")]


def journal_rows(community, date_from, date_to):
    """Rows in date then chain order, streamed from the database."""
    E, L, A = JournalEntry, JournalLine, FundAccount
    reversed_entry = sa.orm.aliased(JournalEntry)
    stmt = (sa.select(E.seq, E.value_date, E.memo, E.reference_type, E.reference_id, E.project, A.code,
                      L.amount_fen, SubFund.purpose, L.purpose, reversed_entry.seq, E.posted_by_label,
                      E.posted_at, E.hash)
            .join(L, L.entry_id == E.id).join(A, A.id == L.account_id)
            .outerjoin(SubFund, SubFund.id == L.subfund_id)
            .outerjoin(reversed_entry, reversed_entry.id == E.reverses_id)
            .where(E.community_id == community.id, E.value_date >= date_from, E.value_date <= date_to)
            .order_by(E.value_date, E.seq, L.id).execution_options(yield_per=2000))
    for (seq, value_date, memo, ref_type, ref_id, project, code, amount, sub, purpose, rev_seq, who,
         posted_at, digest) in db.session.execute(stmt):
        yield [seq, value_date.isoformat(), memo, str(ref_type), ref_id or "", project or "", code,
               str(chart.account_name(code)), amount if amount > 0 else 0, -amount if amount < 0 else 0,
               str(chart.PURPOSE_NAMES[sub]) if sub else "",
               str(chart.PURPOSE_NAMES[purpose]) if purpose else "",
               rev_seq or "", who, posted_at.strftime("%Y-%m-%d %H:%M:%S"), digest]


def csv_chunks(community, date_from, date_to):
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    buffer.write("\ufeff")
    writer.writerow(header())
    for row in journal_rows(community, date_from, date_to):
        writer.writerow([v if isinstance(v, int) else _cell(v) for v in row])
        if buffer.tell() > 64 * 1024:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def xlsx_bytes(community, date_from, date_to):
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(_("Journal"))
    sheet.append(header())
    for row in journal_rows(community, date_from, date_to):
        sheet.append([v if isinstance(v, int) else _cell(v) for v in row])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
