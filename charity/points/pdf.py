"""The points' PDFs, drawn from the plain data of :mod:`charity.points.records`: the
volunteer's passbook (爱心存折), the merchant's monthly settlement statement and the
volunteer service record certificate (志愿服务记录证明). Long lists use the fund's
:class:`~charity.reports.LedgerRows`, so time grows linearly with the rows."""

from datetime import date

from flask_babel import gettext as _
from reportlab.lib import colors
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, Spacer, Table, TableStyle

from charity.formatting import date_long, datetime_local
from charity.points.records import hours_text as _hours
from charity.reports import GRID, SHADE, LedgerRows, ReportDocument, escape, font_name, styles


def _facts(pairs, widths=(32 * mm, 142 * mm)):
    """A two-column table of label / value paragraphs."""
    st = styles()
    rows = [[Paragraph(escape(a), st["small"]), Paragraph(escape(b), st["body"])] for a, b in pairs]
    table = Table(rows, colWidths=list(widths))
    table.setStyle(TableStyle([("FONTNAME", (0, 0), (-1, -1), font_name()),
                               ("GRID", (0, 0), (-1, -1), 0.4, GRID), ("BACKGROUND", (0, 0), (0, -1), SHADE),
                               ("VALIGN", (0, 0), (-1, -1), "MIDDLE")]))
    return table


def _signed(value):
    return f"+{value}" if value > 0 else (str(value) if value else "")


def render_passbook(book) -> bytes:
    """The volunteer's points passbook: every entry with the running spendable balance."""
    st = styles()
    title = _("Points passbook")
    footer = _("Generated %(when)s by %(who)s", when=datetime_local(book.generated_at), who=book.generated_by)
    doc = ReportDocument(title=title, heading=f"{book.community} · {title}", footer=footer)
    story = [Paragraph(escape(title), st["title"]),
             Paragraph(escape(f"{book.community} · {book.volunteer}"), st["subtitle"])]
    story.append(_facts([
        (_("Volunteer"), book.volunteer + (f"（{book.volunteer_number}）" if book.volunteer_number else "")),
        (_("Spendable points"), str(book.balance)),
        (_("Points on hold"), str(book.held)),
        (_("Points earned in all"), str(book.lifetime_points)),
        (_("Honour hours"), _hours(book.lifetime_minutes)),
    ]))
    story.append(Spacer(1, 5 * mm))
    if not book.rows:
        story.append(Paragraph(escape(_("No entries yet.")), st["body"]))
        return doc.render(story)
    widths = [34 * mm, 20 * mm, 76 * mm, 16 * mm, 14 * mm, 14 * mm]
    header = [_("Date"), _("Kind"), _("Memo"), _("Points"), _("Held"), _("Balance")]

    def cells(row):
        return (datetime_local(row.when), row.kind, row.memo, _signed(row.points), _signed(row.held),
                row.balance)

    story.append(LedgerRows(header, book.rows, widths, ["L", "L", "L", "R", "R", "R"], cells=cells,
                            size=8, row_height=13))
    story.append(Spacer(1, 3 * mm))
    story.append(Paragraph(escape(_("The balance is the spendable points after each entry; points on hold "
                                    "for an issued code return if the code is not used.")), st["small"]))
    return doc.render(story)


def render_settlement(data) -> bytes:
    """A merchant's monthly settlement statement: every code fulfilled in the month."""
    st = styles()
    title = _("Points redemption settlement")
    footer = _("Generated %(when)s by %(who)s", when=datetime_local(data["generated_at"]),
               who=data["generated_by"])
    doc = ReportDocument(title=title, heading=f"{data['community']} · {title}", footer=footer)
    story = [Paragraph(escape(title), st["title"]),
             Paragraph(escape(f"{data['partner']} · {data['month']}"), st["subtitle"])]
    totals = [(name, count, points) for name, (count, points) in sorted(data["by_service"].items())]
    story.append(_facts([(_("Partner"), data["partner"]), (_("Month"), data["month"]),
                         (_("Codes fulfilled"), str(len(data["rows"]))),
                         (_("Points in all"), str(sum(p for _n, _c, p in totals)))]))
    story.append(Spacer(1, 5 * mm))
    if totals:
        story.append(Paragraph(escape(_("By service")), st["heading"]))
        story.append(LedgerRows([_("Service"), _("Codes"), _("Points")], totals, [110 * mm, 30 * mm, 34 * mm],
                                ["L", "R", "R"], size=8.5, row_height=14))
        story.append(Paragraph(escape(_("Codes fulfilled")), st["heading"]))
        story.append(LedgerRows(
            [_("Fulfilled"), _("Code"), _("Service"), _("Volunteer"), _("Points")], data["rows"],
            [36 * mm, 28 * mm, 62 * mm, 28 * mm, 20 * mm], ["L", "L", "L", "L", "R"],
            cells=lambda r: (datetime_local(r["when"]), r["code"], r["service"], r["volunteer"], r["points"]),
            size=8, row_height=13))
    else:
        story.append(Paragraph(escape(_("No code was fulfilled in this month.")), st["body"]))
    story.append(Spacer(1, 12 * mm))
    sign = Table([[_("Merchant (signature)"), "", _("Service centre (signature and seal)"), ""]],
                 colWidths=[34 * mm, 50 * mm, 46 * mm, 44 * mm], rowHeights=[16 * mm])
    sign.setStyle(TableStyle([("FONTNAME", (0, 0), (-1, -1), font_name()), ("FONTSIZE", (0, 0), (-1, -1), 9),
                              ("LINEBELOW", (1, 0), (1, 0), 0.5, colors.black),
                              ("LINEBELOW", (3, 0), (3, 0), 0.5, colors.black),
                              ("VALIGN", (0, 0), (-1, -1), "BOTTOM")]))
    story.append(sign)
    story.append(Paragraph(escape(_("Volunteer names are partly hidden.")), st["small"]))
    return doc.render(story)


def render_certificate(snap, *, generated="") -> bytes:
    """The volunteer service record certificate (志愿服务记录证明) from a registered
    certificate's snapshot, with room for the issuing organisation's seal."""
    st = styles()
    title = _("Volunteer service record certificate")
    doc = ReportDocument(title=title, heading=f"{snap['issuing_org']} · {title}", footer=generated)
    big = ParagraphStyle("cert_title", parent=st["title"], fontSize=20, leading=26, spaceAfter=2)
    story = [Paragraph(escape(title), big),
             Paragraph(escape(_("Certificate No. %(number)s", number=snap["number"])), st["subtitle"])]
    story.append(Paragraph(escape(_(
        "This is to certify that the volunteer below served as recorded by this organisation "
        "from %(start)s to %(end)s, as follows.",
        start=date_long(_date(snap["period_start"])), end=date_long(_date(snap["period_end"])))), st["body"]))
    story.append(Spacer(1, 3 * mm))
    story.append(_facts([
        (_("Name"), snap["name"]),
        (_("ID type"), snap["id_type"] or "—"),
        (_("ID number"), snap["id_number_masked"] or "—"),
        (_("Volunteer number"), snap["volunteer_number"] or "—"),
        (_("Service period"), f"{snap['period_start']} — {snap['period_end']}"),
        (_("Service hours"), _("%(hours)s hours in %(count)s activities", hours=snap["hours"],
                               count=snap["activity_count"])),
    ]))
    story.append(Paragraph(escape(_("Service content")), st["heading"]))
    if snap["service"]:
        story.append(LedgerRows([_("Date"), _("Activity"), _("Team"), _("Kind"), _("Hours")], snap["service"],
                                [24 * mm, 62 * mm, 48 * mm, 22 * mm, 18 * mm], ["L", "L", "L", "L", "R"],
                                cells=lambda r: (r["day"], r["title"], r["team"], r["kind"], r["hours"]),
                                size=8.5, row_height=14))
    else:
        story.append(Paragraph(escape(_("No verified service in this period.")), st["body"]))
    story.append(Paragraph(escape(_("Training")), st["heading"]))
    story.append(Paragraph(escape("；".join(snap["training"]) or _("None recorded.")), st["body"]))
    story.append(Paragraph(escape(_("Commendations")), st["heading"]))
    story.append(Paragraph(escape("；".join(snap["commendations"]) or _("None recorded.")), st["body"]))
    story.append(Spacer(1, 8 * mm))
    issuer = _facts([
        (_("Issuing organisation"), snap["issuing_org"]),
        (_("Person in charge"), snap["person_in_charge"] or "—"),
        (_("Handler"), snap["handler"] or "—"),
        (_("Contact telephone"), snap["contact_phone"] or "—"),
        (_("Date of issue"), date_long(_date(snap["issued_on"]))),
    ], widths=(30 * mm, 80 * mm))
    seal = Table([[Paragraph(escape(_("(Seal)")), ParagraphStyle("seal", parent=st["small"], alignment=1))]],
                 colWidths=[48 * mm], rowHeights=[42 * mm])
    seal.setStyle(TableStyle([("FONTNAME", (0, 0), (-1, -1), font_name()),
                              ("BOX", (0, 0), (-1, -1), 0.5, colors.HexColor("#bbbbbb")),
                              ("VALIGN", (0, 0), (-1, -1), "MIDDLE")]))
    row = Table([[issuer, seal]], colWidths=[116 * mm, 58 * mm])
    row.setStyle(TableStyle([("FONTNAME", (0, 0), (-1, -1), font_name()), ("VALIGN", (0, 0), (-1, -1), "TOP"),
                             ("LEFTPADDING", (0, 0), (-1, -1), 0)]))
    story.append(row)
    story.append(Spacer(1, 4 * mm))
    story.append(Paragraph(escape(_(
        "Issued free of charge under the Measures for Recording Volunteer Service and Issuing "
        "Certificates (Ministry of Civil Affairs, 2021). The identity number is partly hidden. "
        "Check this certificate by its number at %(url)s.", url=snap.get("check_url", ""))), st["small"]))
    return doc.render(story)


def _date(text):
    return date.fromisoformat(text)
