# ruff: noqa: E501  (the demo tables read best one record a line)
"""Dongyi's resource partners, services, needs and one council meeting for the demo
(invented, plausible names). Idempotent: nothing is added once the partners exist."""

from datetime import date

import sqlalchemy as sa

from charity.accounts.models import User
from charity.extensions import db
from charity.needs import services as needs
from charity.partners import services
from charity.partners.models import Partner

#: (name, kind, address, contact, phone, hours, charity partner signed on)
PARTNERS = [
    ("东怡快剪理发店", "merchant", "东怡街12号", "刘师傅", "13880020001", "每天 9:00–21:00", date(2025, 3, 18)),
    ("老街坊家电维修部", "merchant", "东怡街28号附5号", "周师傅", "13880020002", "周一至周六 8:30–18:30", date(2025, 3, 18)),
    ("晨光眼镜店", "merchant", "东怡街35号", "何女士", "13880020003", "每天 9:30–20:30", date(2025, 3, 18)),
    ("惠民大药房东怡店", "merchant", "锦华路二段6号", "杨药师", "13880020004", "每天 8:00–22:00", date(2025, 4, 2)),
    ("好邻居便利店", "merchant", "东怡街1号", "陈老板", "13880020005", "24 小时", date(2025, 4, 2)),
    ("川味小厨", "merchant", "锦华路二段18号", "罗老板", "13880020006", "每天 10:30–21:30", date(2025, 4, 2)),
    ("巧手裁缝铺", "merchant", "东怡街46号", "黄嬢嬢", "13880020007", "周二至周日 9:00–18:00", date(2025, 5, 9)),
    ("安心开锁配钥匙", "merchant", "东怡街52号", "吴师傅", "13880020008", "每天 8:00–20:00", date(2025, 5, 9)),
    ("书香文具店", "merchant", "锦华路二段22号", "郑老师", "13880020009", "每天 8:00–19:00", date(2025, 5, 9)),
    ("康乐推拿馆", "merchant", "东怡街60号", "孙医生", "13880020010", "每天 10:00–22:00", date(2025, 6, 20)),
    ("鲜果时光水果店", "merchant", "东怡街8号", "赵姐", "13880020011", "每天 8:00–22:00", date(2025, 6, 20)),
    ("东怡社区幼儿园", "kindergarten", "东怡北路3号", "林园长", "02885550101", "周一至周五 7:30–17:30", None),
    ("银杏院落微场景", "courtyard", "东怡小区 5 栋旁", "院落长 马大爷", "13880020012", "每天 8:00–20:00", None),
    ("桂花巷院落微场景", "courtyard", "桂花巷 2 号院", "院落长 冯嬢嬢", "13880020013", "每天 8:00–20:00", None),
    ("锦江区暖心社会工作服务中心", "social_org", "锦华路二段40号 3 楼", "唐社工", "02885550202", "周一至周五 9:00–17:30", None),
]

#: (partner, category, name, description, groups, schedule, quota, points)
SERVICES = [
    ("东怡快剪理发店", "爱心义剪", "爱心义剪", "为 70 岁以上老人和残障人士免费理发，行动不便的可上门。",
     ["elderly", "special"], "每月第二个周三上午", 20, None),
    ("东怡快剪理发店", "爱心义剪", "积分兑换理发", "志愿者可用积分兑换一次洗剪吹。", ["elderly", "new_employment"],
     "营业时间内", 30, 50),
    ("老街坊家电维修部", "便民维修", "小家电免费检修", "电饭煲、电风扇、电视等小家电免费检测，只收配件费。",
     ["elderly"], "每月第一个周六上午（院坝集中服务）", 40, None),
    ("老街坊家电维修部", "便民维修", "上门维修（积分抵扣）", "独居老人家中电路、水管小修。", ["elderly", "special"],
     "预约", 10, 80),
    ("晨光眼镜店", "健康服务", "免费验光清洗眼镜", "老花镜验配咨询，眼镜免费清洗调校。", ["elderly"],
     "每周四下午", None, None),
    ("惠民大药房东怡店", "健康服务", "测血压血糖", "免费测量血压血糖并建立记录。", ["elderly"], "每天营业时间", None, None),
    ("好邻居便利店", "结对帮扶", "爱心寄存与代收", "为独居老人代收快递、寄存物品。", ["elderly", "special"], "24 小时", None, None),
    ("好邻居便利店", "结对帮扶", "骑手歇脚点", "外卖骑手、快递员免费热水、充电、歇脚。", ["new_employment"], "24 小时", None, None),
    ("川味小厨", "结对帮扶", "长者爱心餐", "困难老人午餐 8 折，积分可抵。", ["elderly"], "每天 11:00–13:00", 100, 20),
    ("巧手裁缝铺", "便民维修", "衣物缝补", "老人衣物免费缝补改短。", ["elderly"], "营业时间内", None, None),
    ("安心开锁配钥匙", "便民维修", "磨刀配钥匙", "每月院坝磨刀、配钥匙服务。", ["elderly"], "每月第一个周六上午", None, 10),
    ("书香文具店", "公益课堂", "四点半课堂", "放学后作业辅导与阅读陪伴。", ["children"], "周一至周五 16:30–18:00", 15, None),
    ("康乐推拿馆", "健康服务", "长者推拿理疗体验", "肩颈、腰腿推拿体验。", ["elderly"], "每周二上午", 12, 60),
    ("鲜果时光水果店", "结对帮扶", "送果上门", "为行动不便老人免费送水果上门。", ["elderly", "special"], "每天", None, None),
    ("东怡社区幼儿园", "公益课堂", "亲子绘本课堂", "面向社区 3–6 岁儿童与家长的绘本共读。", ["children"], "每月最后一个周六上午", 25, None),
    ("银杏院落微场景", "公益课堂", "院坝健康讲座", "邀请社区医生讲慢病管理。", ["elderly"], "每月一次", None, None),
    ("桂花巷院落微场景", "结对帮扶", "邻里结对探访", "志愿者结对探访空巢老人。", ["elderly"], "每周", None, None),
    ("锦江区暖心社会工作服务中心", "法律援助", "法律咨询", "律师志愿者提供婚姻、继承、劳动纠纷咨询。",
     ["elderly", "special", "new_employment"], "每月第三个周五下午", 10, None),
    ("锦江区暖心社会工作服务中心", "结对帮扶", "特殊家庭个案帮扶", "社工对困境家庭开展个案跟进。", ["special", "children"],
     "长期", None, None),
]


def load(community, users):
    """Add the demo partners, services, needs and a council meeting to ``community``.
    ``users`` maps demo usernames to users."""

    services.seed_categories(community)
    if db.session.scalar(sa.select(Partner.id).where(Partner.community_id == community.id).limit(1)):
        return
    admin, council = users["admin"], users["council"]
    partners = {}
    for name, kind, address, contact, phone, hours, signed in PARTNERS:
        partners[name] = services.create_partner(community, {
            "name": name, "kind": kind, "address": address, "contact_person": contact, "phone": phone,
            "opening_hours": hours, "joined_on": signed or date(2025, 3, 1), "status": "active",
            "is_charity_partner": signed is not None, "partner_signed_on": signed}, actor=admin)
    offered = {}
    for partner, category, name, description, groups, schedule, quota, points in SERVICES:
        cat = services.category_by_name(community, category)
        offered[name] = services.create_service(partners[partner], {
            "name": name, "category_id": cat.id, "description": description, "target_groups": groups,
            "schedule": schedule, "monthly_quota": quota, "points_price": points, "active": True},
            actor=admin)
    merchant = users.get("merchant")
    if merchant is not None:
        services.set_contacts(partners["东怡快剪理发店"], [merchant.id], actor=admin)

    meeting = needs.create_meeting(community, {
        "held_on": date(2026, 10, 15), "title": "第三季度慈善联席会",
        "user_ids": [admin.id, council.id], "partner_ids": [partners["东怡快剪理发店"].id,
                                                          partners["锦江区暖心社会工作服务中心"].id],
        "other_attendees": "居民代表 3 人",
        "agenda": "一、通报入户摸排需求\n二、对接爱心商家资源\n三、审议《爱心商家资源服务清单》",
        "minutes": "社区通报了三季度入户摸排情况，共收集需求 6 条。与会商家和社会组织逐条认领。",
        "decisions": "1. 独居老人理发、家电维修需求由爱心商家对接。\n2. 审议通过《爱心商家资源服务清单》第 1 版。",
    }, actor=council)

    def need(description, group, category, count=1, urgency="normal", source="survey", **kw):
        return needs.create_need(community, {
            "description": description, "group": group, "category_id":
            services.category_by_name(community, category).id, "people_count": count,
            "urgency": urgency, "source": source, **kw}, actor=admin)

    need("5 栋独居老人希望每月有人上门理发", "elderly", "爱心义剪", 3, "high")
    n = need("桂花巷多户老人家中电饭煲、电扇损坏", "elderly", "便民维修", 6)
    needs.transition(n, "match", service_id=offered["小家电免费检修"].id, meeting_id=meeting.id,
                     note="院坝集中检修", actor=council)
    n = need("双职工家庭孩子放学后无人看管", "children", "公益课堂", 12, source="suggestion")
    needs.transition(n, "match", service_id=offered["四点半课堂"].id, meeting_id=meeting.id, actor=council)
    needs.transition(n, "start", actor=admin)
    n = need("独居老人理发难", "elderly", "爱心义剪", 8, resident_name="王婆婆", consent_recorded=True)
    needs.transition(n, "match", service_id=offered["爱心义剪"].id, meeting_id=meeting.id, actor=council)
    needs.transition(n, "start", actor=admin)
    needs.transition(n, "close", actor=admin)
    n = need("希望社区开设钢琴课", "children", "公益课堂", 2, "low", "hotline")
    needs.transition(n, "decline", reason="暂无合适资源，建议关注区文化馆公益课程", actor=council)
    need("外卖骑手希望有歇脚、充电的地方", "new_employment", "结对帮扶", 20, source="suggestion")
    services.approve_resource_list(meeting, actor=council)


def run(community):
    users = {u.username: u for u in db.session.scalars(
        sa.select(User).where(User.username.in_(["admin", "council", "merchant"])))}
    load(community, users)
