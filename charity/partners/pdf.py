"""The caring merchant resource service list (爱心商家资源服务清单) as a PDF, drawn from the
plain data of :func:`charity.partners.services.resource_list_data` (live or frozen)."""

from flask_babel import gettext as _
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import CondPageBreak, KeepTogether, Paragraph, Spacer

from charity.formatting import date_long, mask_phone
from charity.partners.labels import GROUP_LABELS, KIND_LABELS, label
from charity.reports import ReportDocument, escape, styles


def render_resource_list(data, *, version=None, approved_on=None, full_phones=False,
                         generated=""):
    """PDF bytes. ``version``/``approved_on`` are None for the current draft, which is
    marked as not yet approved; phones are masked unless ``full_phones``."""
    st = styles()
    partner_style = ParagraphStyle("partner", parent=st["body"], fontSize=10.5, leading=14,
                                   spaceBefore=5)
    service_style = ParagraphStyle("service", parent=st["cell"], leftIndent=5 * mm)
    title = _("Caring merchant resource service list")
    doc = ReportDocument(title=title, heading=f"{data['community']} · {title}", footer=generated)
    story = [Paragraph(escape(title), st["title"])]
    if version is not None:
        story.append(Paragraph(escape(_("%(community)s · Version %(number)s · %(date)s",
                                        community=data["community"], number=version,
                                        date=date_long(approved_on))), st["subtitle"]))
        story.append(Paragraph(escape(_("Approved at the charity joint council meeting of %(date)s",
                                        date=date_long(approved_on))), st["subtitle"]))
    else:
        story.append(Paragraph(escape(_("%(community)s · Draft", community=data["community"])),
                               st["subtitle"]))
        story.append(Paragraph(
            "<font color='#b3261e'>{}</font>".format(escape(
                _("DRAFT: not yet approved by the charity joint council"))), st["subtitle"]))

    def partner_block(partner):
        name = escape(partner["name"])
        if partner["is_charity_partner"]:
            name += " <font color='#b3261e'>[{}]</font>".format(escape(_("Charity merchant partner")))
        lines = [Paragraph(name, partner_style)]
        phone = partner["phone"] if full_phones else mask_phone(partner["phone"])
        facts = [str(label(KIND_LABELS, partner["kind"]))]
        if partner["address"]:
            facts.append(_("Address: %(value)s", value=partner["address"]))
        if partner["opening_hours"]:
            facts.append(_("Hours: %(value)s", value=partner["opening_hours"]))
        if partner["contact_person"] or phone:
            facts.append(_("Contact: %(value)s", value=" ".join(
                v for v in (partner["contact_person"], phone) if v)))
        lines.append(Paragraph(escape(" · ".join(facts)), st["small"]))
        for s in partner["services"]:
            details = []
            if s["groups"]:
                details.append(_("For: %(value)s", value="、".join(
                    str(label(GROUP_LABELS, g)) for g in s["groups"].split(",") if g)))
            if s["schedule"]:
                details.append(_("When: %(value)s", value=s["schedule"]))
            if s["monthly_quota"]:
                details.append(_("%(number)s a month", number=s["monthly_quota"]))
            details.append(_("Points accepted: %(number)s points", number=s["points_price"])
                           if s["points_price"] else _("Points not accepted"))
            text = "• <b>{}</b>".format(escape(s["name"]))
            if s["description"]:
                text += " — " + escape(s["description"])
            text += "<br/>" + escape("；".join(details))
            lines.append(Paragraph(text, service_style))
        return KeepTogether(lines) if len(lines) < 12 else lines

    def add(blocks):
        for block in blocks:
            story.extend(block if isinstance(block, list) else [block])

    for category in data["categories"]:
        story.append(CondPageBreak(30 * mm))
        story.append(Paragraph(escape(category["name"]), st["heading"]))
        add(partner_block(p) for p in category["partners"])
    if data["partners_without_services"]:
        story.append(CondPageBreak(30 * mm))
        story.append(Paragraph(escape(_("Other partners")), st["heading"]))
        add(partner_block(p) for p in data["partners_without_services"])
    if not data["categories"] and not data["partners_without_services"]:
        story.append(Paragraph(escape(_("No active partner yet.")), st["body"]))
    if not full_phones:
        story.append(Spacer(1, 6 * mm))
        story.append(Paragraph(escape(_("Phone numbers are partly hidden in this copy.")), st["small"]))
    return doc.render(story)
