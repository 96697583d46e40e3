"""Demo data of the micro-venture: 8 resident teams with members, 8 claimed projects and
24 verified activities spread over 2026, with rosters, beneficiaries and a few photos
drawn here (coloured pictures with a caption). Idempotent: nothing is added when the
first demo team exists."""

import io
from datetime import date, datetime, timedelta, timezone

import sqlalchemy as sa
from PIL import Image, ImageDraw, ImageFont

from charity.accounts.models import User
from charity.extensions import db
from charity.projects import services as projects
from charity.reports import BUNDLED_FONT
from charity.teams import services as teams
from charity.teams.models import Team, TeamRole

#: (team, focus groups, project, project groups, activity kind, activity titles, place)
TEAMS = [
    ("小暖芽亲子志愿者服务队", ["children"], "亲子共读·绘本时光", ["children"], "reading",
     ["绘本共读：春天来了", "亲子共读：我的家", "绘本剧表演"], "东怡幼儿园"),
    ("银龄守望探访队", ["elderly"], "空巢老人入户探访", ["elderly"], "visit",
     ["新春入户探访", "夏季防暑探访", "重阳节探访"], "东怡社区各院落"),
    ("巧手旧物升级工坊队", ["special"], "旧物升级工坊", ["special"], "workshop",
     ["旧衣改造布袋", "旧物拼贴画", "手工义卖品制作"], "党群服务中心活动室"),
    ("邻里便民维修队", ["elderly"], "便民维修进院落", ["elderly"], "repair",
     ["小家电维修", "水管门锁维修", "自行车维修"], "3号院落"),
    ("爱心义剪服务队", ["elderly", "special"], "爱心义剪", ["elderly", "special"], "haircut",
     ["春季爱心义剪", "夏季爱心义剪", "冬季爱心义剪"], "党群服务中心"),
    ("东怡公益课堂讲师团", ["children"], "四点半公益课堂", ["children"], "class",
     ["书法课", "科学小实验", "安全教育课"], "社区四点半课堂"),
    ("骑手驿站互助队", ["new_employment"], "新就业群体关爱驿站", ["new_employment"], "training",
     ["骑手安全培训", "急救技能培训", "职业规划分享"], "爱心驿站"),
    ("院落微治理先锋队", ["elderly", "children"], "院落爱心义卖", ["elderly", "children"], "charity_sale",
     ["端午爱心义卖", "中秋爱心义卖", "年货爱心义卖"], "社区广场"),
]

MEMBER_NAMES = ["李秀英", "王桂芳", "刘建华", "陈淑珍", "杨明", "黄丽", "周强", "吴敏", "徐芳", "孙伟",
                "马兰", "朱红", "胡军", "郭静", "何平", "高洁", "林涛", "罗娟", "郑勇", "梁燕",
                "宋磊", "谢琳", "韩冬", "唐颖", "冯超", "于萍", "董浩", "萧雪", "程刚", "曹玉",
                "袁芳", "邓华", "许杰", "傅琴", "沈亮", "曾梅"]

COLOURS = [(214, 96, 77), (77, 146, 214), (110, 170, 90), (232, 170, 60), (150, 100, 190),
           (60, 170, 170), (200, 90, 140), (120, 120, 120)]


def demo_photo(caption, colour, index):
    """A simple picture: a coloured sky, a sun, figures and the caption."""

    image = Image.new("RGB", (800, 600), colour)
    draw = ImageDraw.Draw(image)
    draw.rectangle([0, 420, 800, 600], fill=(245, 240, 225))
    draw.ellipse([620, 40, 740, 160], fill=(255, 225, 110))
    for n in range(3 + index % 3):
        x = 120 + n * 140
        draw.ellipse([x, 260, x + 60, 320], fill=(255, 215, 180))
        draw.rectangle([x - 5, 320, x + 65, 430], fill=COLOURS[(index + n + 1) % len(COLOURS)])
    font = ImageFont.truetype(str(BUNDLED_FONT), 40)
    draw.rectangle([0, 500, 800, 600], fill=(0, 0, 0))
    draw.text((30, 525), caption, fill=(255, 255, 255), font=font)
    out = io.BytesIO()
    image.save(out, "JPEG", quality=85)
    return out.getvalue()


def load(community):
    """Add the demo teams, projects and activities to ``community`` unless present."""
    if db.session.scalar(sa.select(Team.id).where(Team.community_id == community.id,
                                                  Team.name == TEAMS[0][0])):
        return
    leader_user = db.session.scalar(sa.select(User).where(User.username == "leader"))
    volunteer_user = db.session.scalar(sa.select(User).where(User.username == "volunteer"))
    names = iter(MEMBER_NAMES)
    phone = iter(range(13900100001, 13900199999))
    for t, (team_name, groups, title, project_groups, kind, titles, place) in enumerate(TEAMS):
        team = teams.create_team(community, name=team_name, focus_groups=groups,
                                 description=f"东怡社区慈善微创投孵化的居民自治团队，开展“{title}”。")
        members = []
        if t == 0:
            members.append(teams.create_volunteer(
                community, name=leader_user.display_name, phone=leader_user.phone, user=leader_user,
                consent_on=date(2026, 1, 6), team=team, role=TeamRole.leader, joined_on=date(2026, 1, 6)))
            helper = teams.create_volunteer(
                community, name=volunteer_user.display_name, phone=volunteer_user.phone, user=volunteer_user,
                tags="退休教师", consent_on=date(2026, 1, 6), team=team, joined_on=date(2026, 1, 6))
            # from participant to organiser
            teams.change_role(helper.memberships[0], TeamRole.organiser, on=date(2026, 6, 1))
            members.append(helper)
        else:
            members.append(teams.create_volunteer(
                community, name=next(names), phone=str(next(phone)), consent_on=date(2026, 1, 10),
                team=team, role=TeamRole.leader, joined_on=date(2026, 1, 10)))
        for _n in range(3):
            members.append(teams.create_volunteer(
                community, name=next(names), phone=str(next(phone)), consent_on=date(2026, 1, 10),
                tags="党员" if _n == 0 else "", team=team, joined_on=date(2026, 1, 10)))
        project = projects.create_project(community, title=title, target_groups=project_groups,
                                          expected_activities=3,
                                          description=f"{team_name}认领的慈善微创投项目。")
        projects.transition_project(project, "claim", team=team)
        projects.transition_project(project, "confirm")
        for k, activity_title in enumerate(titles):
            month = 1 + (t + 4 * k) % 11
            start = datetime(2026, month, 6 + t, 1, 0, tzinfo=timezone.utc)  # 09:00 Chengdu
            end = start + timedelta(hours=2 + (k % 2))
            length = projects.default_minutes(start, end)
            roster = {m.id: length - (15 * (i % 2)) for i, m in enumerate(members[: 3 + (k % 2)])}
            served = {g: 6 + 2 * t + k for g in project_groups}
            activity = projects.create_activity(
                project, title=activity_title, kind=kind, starts_at=start, ends_at=end, place=place,
                description=f"{team_name}开展“{activity_title}”。", roster=roster, beneficiaries=served)
            if k == 0:
                projects.add_evidence(activity, data=demo_photo(f"{team_name} · {activity_title}",
                                                                COLOURS[t], t),
                                      filename=f"现场照片{t + 1}.jpg")
            projects.transition_activity(activity, "submit")
            projects.verify_activity(activity)
    projects.create_project(community, title="旧物升级工坊（第二期）", target_groups=["special"],
                            expected_activities=4, description="等待团队认领。")
