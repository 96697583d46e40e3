"""Minutes of a council meeting (慈善联席会会议纪要) as a PDF."""

from flask_babel import gettext as _
from reportlab.platypus import Paragraph

from charity.formatting import date_long
from charity.needs.services import match_target
from charity.reports import ReportDocument, escape, styles


def _text(text, style):
    """Plain text with its line breaks kept, every character printed as written."""
    return Paragraph(escape(text).replace("\n", "<br/>") or "—", style)


def render_minutes(community, meeting, matched, version, generated):
    st = styles()
    title = _("Minutes of the charity joint council meeting")
    doc = ReportDocument(title=title, heading=f"{community.name} · {title}", footer=generated)
    story = [
        Paragraph(escape(title), st["title"]),
        Paragraph(escape(f"{community.name} · {date_long(meeting.held_on)} · {meeting.title}"),
                  st["subtitle"]),
        Paragraph(escape(_("Attendees")), st["heading"]),
    ]
    people = [a.user.display_name for a in meeting.attendees if a.user is not None]
    partners = [a.partner.name for a in meeting.attendees if a.partner is not None]
    story.append(_text(_("Council members: %(names)s", names="、".join(people) or "—"), st["body"]))
    story.append(_text(_("Invited partners: %(names)s", names="、".join(partners) or "—"), st["body"]))
    if meeting.other_attendees:
        story.append(_text(_("Others: %(names)s", names=meeting.other_attendees), st["body"]))
    for heading, text in ((_("Agenda"), meeting.agenda), (_("Minutes"), meeting.minutes),
                          (_("Decisions"), meeting.decisions)):
        story.append(Paragraph(escape(heading), st["heading"]))
        story.append(_text(text, st["body"]))
    if matched:
        story.append(Paragraph(escape(_("Needs matched at this meeting")), st["heading"]))
        for need in matched:
            target = match_target(need)
            line = f"#{need.id} {need.description} → {target}" if target else f"#{need.id} {need.description}"
            if need.match_note:
                line += f"（{need.match_note}）"
            story.append(_text(line, st["body"]))
    if version is not None:
        story.append(Paragraph(escape(_("Resource service list")), st["heading"]))
        story.append(_text(_("Version %(number)s of the caring merchant resource service list was "
                             "approved.", number=version.number), st["body"]))
    return doc.render(story)
