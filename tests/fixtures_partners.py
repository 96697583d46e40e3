"""Helpers that create partners, services, needs and meetings (committed) in a community."""

from datetime import date

from charity.extensions import db


def _community(app, community_id):
    from charity.accounts.models import Community

    return db.session.get(Community, community_id)


def make_partner_in(app, community_id, name="东怡快剪理发店", **kw):
    from charity.partners import services

    with app.app_context():
        data = {"name": name, "kind": "merchant", "address": "东怡街12号", "contact_person": "刘师傅",
                "phone": "13880020001", "opening_hours": "每天 9:00–21:00", "joined_on": date(2025, 3, 1),
                "status": "active", "is_charity_partner": True, "partner_signed_on": date(2025, 3, 18)}
        data.update(kw)
        partner = services.create_partner(_community(app, community_id), data)
        db.session.commit()
        return partner.id


def make_service_in(app, partner_id, name="爱心义剪", category="爱心义剪", **kw):
    from charity.partners import services
    from charity.partners.models import Partner

    with app.app_context():
        partner = db.session.get(Partner, partner_id)
        cat = services.category_by_name(_community(app, partner.community_id), category)
        data = {"name": name, "category_id": cat.id, "description": "老人免费理发",
                "target_groups": ["elderly"], "schedule": "每月第二个周三", "monthly_quota": 20,
                "points_price": None, "active": True}
        data.update(kw)
        service = services.create_service(partner, data)
        db.session.commit()
        return service.id


def make_need_in(app, community_id, **kw):
    from charity.needs import services
    from charity.partners.services import category_by_name

    with app.app_context():
        community = _community(app, community_id)
        data = {"description": "独居老人理发难", "group": "elderly", "people_count": 3,
                "category_id": category_by_name(community, "爱心义剪").id, "urgency": "normal",
                "source": "survey"}
        data.update(kw)
        need = services.create_need(community, data)
        db.session.commit()
        return need.id


def make_meeting_in(app, community_id, **kw):
    from charity.needs import services

    with app.app_context():
        data = {"held_on": date(2026, 10, 15), "title": "第三季度慈善联席会", "agenda": "议程",
                "minutes": "纪要", "decisions": "决定"}
        data.update(kw)
        meeting = services.create_meeting(_community(app, community_id), data)
        db.session.commit()
        return meeting.id
