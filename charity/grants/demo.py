"""The demo's 2026 micro-venture round: Dongyi's 8 teams applied and all 8 were funded
within the cap, reviewed by three council members and an external expert (评审专家),
with a recusal and objections.

Stages: one grant in public notice (with an objection waiting), one in mid-term
evaluation, five active (one of them past a passed evaluation and its second tranche),
one closed with its final report accepted and the unspent money returned. Every team's
leader gets a sign-in (``leader`` for 小暖芽, ``leader2`` … ``leader8`` for the others).

The fund's demo closes January to October, so every demo payment is dated in November
2026 (the agreements were signed in March). Idempotent: nothing is added when the round
exists.
"""

from datetime import date, datetime, timezone

import sqlalchemy as sa

from charity.accounts import services as accounts
from charity.accounts.models import Role, User
from charity.extensions import db
from charity.grants import (
    agreements,
    applications,
    claims,
    closing,
    evaluations,
    panels,
    review,
    rounds,
    tranches,
    workflow,
)
from charity.grants import council as council_vote
from charity.grants.models import (
    ApplicationState,
    ConflictKind,
    GrantRound,
    Objection,
    ObjectionState,
)
from charity.models_base import local_today
from charity.needs import services as needs
from charity.teams.demo import COLOURS, demo_photo
from charity.teams.models import Team, TeamMember, TeamRole, Volunteer
from charity.teams.services import led_team_ids

ROUND_NAME = "2026年东怡社区慈善微创投"

#: (username, role, display name, phone, affiliation on the panel)
PANEL_USERS = [
    ("council2", Role.council, "周淑芬", "13880010007", "东怡社区居民代表"),
    ("council3", Role.council, "黄志强", "13880010008", "辖区物业公司"),
    ("expert", Role.expert, "孙慧敏", "13880010009", "西南某高校社会工作系副教授"),
]

#: team -> (project title, summary, planned activities, [(item, quantity, unit yuan, partner?)], stage)
APPLICATIONS = [
    ("小暖芽亲子志愿者服务队", "亲子共读·绘本时光",
     "面向社区 3–8 岁儿童及家长，每月两次亲子共读，培养阅读习惯，带动家长成为志愿者。",
     "绘本共读 12 次、绘本剧表演 2 次、家长志愿者培训 2 次",
     [("绘本采购", 60, 45), ("活动材料（彩纸、颜料等）", 12, 120), ("绘本剧道具服装", 2, 600),
      ("家长志愿者培训讲师费", 2, 500)], "active"),
    ("银龄守望探访队", "空巢老人入户探访",
     "为社区 42 户空巢、独居老人提供每月入户探访、节日慰问与安全隐患排查。",
     "入户探访每月 1 次、节日慰问 3 次、防诈骗讲座 2 次",
     [("慰问品（米、油、牛奶）", 42, 80), ("燃气报警器", 20, 95), ("探访志愿者保险", 15, 30),
      ("防诈骗讲座物料", 2, 300)], "midterm"),
    ("巧手旧物升级工坊队", "旧物升级工坊",
     "组织残障人士与困难家庭成员参与旧物改造，义卖所得注入社区基金。",
     "手工课 10 次、义卖 2 次",
     [("缝纫工具与耗材", 10, 260), ("义卖摊位布置", 2, 400), ("手工课讲师补贴", 10, 200)], "active"),
    ("邻里便民维修队", "便民维修进院落",
     "每月在各院落开展家电、水电、门锁维修，优先服务高龄和行动不便居民。",
     "院落维修日 10 次",
     [("维修工具", 1, 1800), ("维修耗材", 10, 250), ("志愿者误餐补贴", 40, 25)], "active"),
    ("爱心义剪服务队", "爱心义剪",
     "为高龄老人、残障人士提供免费理发，行动不便者上门服务。",
     "集中义剪 6 次、上门义剪 30 人次",
     [("理发工具与消毒用品", 1, 1500), ("围布与毛巾", 30, 20), ("上门服务交通补贴", 30, 30)], "active"),
    ("东怡公益课堂讲师团", "四点半公益课堂",
     "为双职工家庭儿童提供课后书法、科学实验与安全教育课堂。",
     "课堂 30 次",
     [("书法用品", 30, 60), ("科学实验材料", 15, 150), ("安全教育教具", 1, 1200)], "active"),
    ("骑手驿站互助队", "新就业群体关爱驿站",
     "为外卖骑手、快递员提供休息驿站、安全与急救培训。",
     "安全培训 4 次、急救培训 2 次、驿站日常服务",
     [("驿站饮水与药箱", 12, 150), ("急救培训（红十字会）", 2, 1200), ("安全培训物料", 4, 250)],
     "closed"),
    ("院落微治理先锋队", "院落爱心义卖",
     "以院落为单位组织节日爱心义卖，所得用于院落微更新与困难家庭帮扶。",
     "义卖 3 次、院落议事会 4 次",
     [("义卖物资采购", 3, 900), ("议事会茶歇与物料", 4, 150), ("宣传海报印制", 3, 200)], "notice"),
]

#: Points per criterion (0–10) by reviewer username, varied by application.
BASE_POINTS = {"council": [8, 7, 8, 7, 8], "council2": [7, 8, 7, 8, 7], "council3": [8, 8, 7, 7, 7],
               "expert": [7, 6, 7, 8, 6]}


def k_of(username):
    """A small number per reviewer, so the demo's scores differ between reviewers."""
    return sum(map(ord, username)) % 3


def _user(username):
    return db.session.scalar(sa.select(User).where(User.username == username))


def _panel_users(community, password):
    for username, role, name, phone, _aff in PANEL_USERS:
        if _user(username) is None:
            accounts.create_user(community, username=username, display_name=name, phone=phone,
                                 password=password, roles=[role.value], must_change_password=False)
    db.session.flush()


def load(community, password):
    """Load the round and everything up to the award (see the module docstring)."""
    if db.session.scalar(sa.select(GrantRound.id).where(GrantRound.community_id == community.id,
                                                        GrantRound.name == ROUND_NAME)):
        return None
    _panel_users(community, password)
    admin = _user("admin")
    rnd = rounds.create_round(community, {
        "name": ROUND_NAME,
        "eligibility": "在东怡社区登记、成立满三个月的居民自治团队；项目服务本社区“一老一小一特殊一新”群体；"
                       "每个团队限报一个项目。",
        "cap_fen": 80_000_00, "max_per_application_fen": 10_000_00,
        "opens_on": date(2026, 2, 1), "closes_on": date(2026, 3, 10),
        "quorum_rule": "majority", "notice_days": 5}, actor=admin)
    council = [_user("council"), _user("council2"), _user("council3")]
    members = [("council", None, None, None, "联席会召集人")] + PANEL_USERS
    for username, _role, _name, _phone, affiliation in members:
        kind = "expert" if username == "expert" else "council"
        panels.add_reviewer(rnd, _user(username).id, kind=kind, affiliation=affiliation, actor=admin)
    panels.set_chair(rnd, _user("council").id, actor=admin)

    spring = needs.create_meeting(community, {
        "held_on": date(2026, 3, 20), "title": "2026年第一次慈善联席会（微创投评审会）",
        "user_ids": [u.id for u in council] + [admin.id],
        "agenda": "一、团队路演；二、评审专家点评；三、表决资助项目",
        "decisions": "七个微创投项目获资助，进入公示。"}, actor=admin)
    autumn = needs.create_meeting(community, {
        "held_on": date(2026, 11, 25), "title": "2026年第四次慈善联席会",
        "user_ids": [u.id for u in council] + [admin.id],
        "agenda": "院落爱心义卖项目补充材料后再审", "decisions": "院落爱心义卖项目获资助，进入公示。"},
        actor=admin)

    teams = {t.name: t for t in db.session.scalars(sa.select(Team).where(Team.community_id == community.id))}
    made = []
    for index, (team_name, title, summary, activities, lines, stage) in enumerate(APPLICATIONS):
        team = teams.get(team_name)
        if team is None:
            continue
        app = applications.new_application(rnd, team, {
            "title": title, "summary": summary, "planned_activities": activities,
            "target_groups": [g.value for g in team.group_list]},
            [applications.LineInput(item, qty, yuan * 100) for item, qty, yuan in lines], actor=None)
        workflow.transition(app, "submit", actor=None)
        app.submitted_at = datetime(2026, 3, 1 + index, 2, 0, tzinfo=timezone.utc)
        workflow.transition(app, "start_review", actor=admin)
        if stage == "notice":
            workflow.transition(app, "request_info", actor=admin,
                                info_request="请补充义卖物资来源与义卖所得的使用计划。")
            workflow.transition(app, "resubmit", actor=None)
            workflow.transition(app, "start_review", actor=admin)
        for username in ("council", "council2", "council3", "expert"):
            user = _user(username)
            if username == "council3" and index == 3:
                review.declare_conflict(app, user, ConflictKind.other, "本人为该队负责人的亲属")
                continue
            review.declare_conflict(app, user, ConflictKind.none)
            shift = (index * len(username) + k_of(username)) % 3
            points = [max(0, min(10, p + (index + k + shift) % 3 - 1))
                      for k, p in enumerate(BASE_POINTS[username])]
            review.submit_scores(app, user, {c.id: points[k] for k, c in enumerate(rnd.criteria)},
                                 comment="方案可行，建议加强活动记录。" if username == "expert" else "")
        meeting = autumn if stage == "notice" else spring
        votes = {u.id: "approve" for u in council if not (u.username == "council3" and index == 3)}
        if index == 5:
            votes[_user("council2").id] = "abstain"
        amount = app.requested_fen - 500_00 if index == 2 else None
        conditions = "工具耗材须凭发票报销，义卖收入全额入社区基金。" if index == 2 else ""
        council_vote.record_votes(app, meeting, votes, approved_fen=amount, actor=admin,
                                  conditions=conditions)
        if stage == "notice":
            workflow.transition(app, "publish", actor=admin, notice_start=local_today())
            db.session.add(Objection(community_id=community.id, application_id=app.id, name="院落居民王先生",
                                     contact="13980001234", reason="义卖物资采购单价偏高，希望核实。"))
        else:
            workflow.transition(app, "publish", actor=admin, notice_start=date(2026, 3, 23))
        if index == 2:
            db.session.add(Objection(
                community_id=community.id, application_id=app.id, name="居民李女士", contact="13980005678",
                reason="担心义卖收入去向不清。", state=ObjectionState.dismissed,
                resolution="经核实，义卖收入按协议全额进入社区基金并公示，异议不成立。",
                resolved_by_id=_user("council").id,
                resolved_at=datetime(2026, 3, 26, 2, 0, tzinfo=timezone.utc)))
        db.session.flush()
        made.append((app, stage))
    assert all(a.state == ApplicationState.public_notice for a, _s in made)
    _leaders(community, password, made)
    for index, (app, stage) in enumerate(made):
        if stage != "notice":
            _after_award(community, app, stage, index)
    return made


def _leaders(community, password, made):
    """A sign-in for the leader of every demo team that has none (leader2 … leader8)."""
    for index, (app, _stage) in enumerate(made):
        if app.team_id in teams_led_by(_user("leader"), community):
            continue
        volunteer = db.session.scalar(sa.select(Volunteer).join(TeamMember).where(
            TeamMember.team_id == app.team_id, TeamMember.role == TeamRole.leader))
        if volunteer is None or volunteer.user_id is not None:
            continue
        username = f"leader{index + 1}"
        user = _user(username) or accounts.create_user(
            community, username=username, display_name=volunteer.name, phone=volunteer.phone,
            password=password, roles=["leader"], must_change_password=False)
        volunteer.user_id = user.id
    db.session.flush()


def teams_led_by(user, community):
    return led_team_ids(user, community) if user is not None else set()


def _leader_of(app):
    user_id = db.session.scalar(sa.select(Volunteer.user_id).join(TeamMember).where(
        TeamMember.team_id == app.team_id, TeamMember.role == TeamRole.leader))
    return db.session.get(User, user_id)


def _day(d):
    """A demo date, never after today."""
    return min(d, local_today())


def _receipt(text, index):
    return demo_photo(text, COLOURS[index % len(COLOURS)], index)


def _claim(grant, leader, admin, line, amount_fen, day, index, approve=True):
    claim = claims.submit_claim(grant, budget_line_id=line.id, description=f"{line.item}（发票已附）",
                               amount_fen=amount_fen, spent_on=_day(day), actor=leader,
                               receipts=[(_receipt(f"发票 · {line.item}", index), f"发票{index + 1}.jpg")])
    if approve:
        claims.decide_claim(claim, approve=True, idempotency_key=f"demo-grant-claim-{claim.id}", actor=admin)
    return claim


def _after_award(community, app, stage, index):
    """Award, the signed agreement, the first tranche, claims, and the stage's later steps."""
    admin, council, leader = _user("admin"), _user("council"), _leader_of(app)
    # Each team already runs the project it applied for (the teams demo): the grant funds
    # it, so its activities count for the grant.
    project = next((p for p in agreements.fundable_projects(app) if p.title == app.title), None)
    grant = agreements.award(app, expected_activities=6, project=project, actor=admin)
    # The demo tells the year: the council awarded the grants in March, after the notice.
    grant.awarded_at = datetime(2026, 3, 25, 2, 0, tzinfo=timezone.utc)
    agreements.record_agreement_signed(grant, signed_on=date(2026, 3, 30), team_signatory=leader.display_name,
                                       centre_signatory=admin.display_name, actor=admin)
    tranches.pay_tranche(grant.tranches[0], paid_on=_day(date(2026, 11, 2)),
                         idempotency_key=f"demo-grant-{grant.id}-t1", actor=admin)
    lines = app.budget_lines
    _claim(grant, leader, admin, lines[0], min(lines[0].line_total_fen, grant.tranches[0].amount_fen // 2),
           date(2026, 11, 6), index)
    if stage == "midterm":
        evaluations.submit_evaluation(grant, actor=leader, self_evaluation=(
            "上半年完成入户探访 6 次、节日慰问 1 次，服务空巢老人 42 户；燃气报警器已安装 12 户。"
            "申请拨付第二期资金，用于下半年探访与防诈骗讲座。"))
    elif index == 3 or stage == "closed":
        evaluation = evaluations.submit_evaluation(grant, actor=leader,
                                                   self_evaluation="上半年活动按计划完成，记录齐全。")
        evaluations.evaluate(evaluation, "passed", actor=council,
                             opinion="活动开展扎实，资金使用规范，同意拨付第二期。")
        # The demo tells the year: the team reported on 9 November and the council passed
        # the evaluation on 13 November, three days before the second tranche was paid.
        evaluation.submitted_at = datetime(2026, 11, 9, 2, 0, tzinfo=timezone.utc)
        evaluation.evaluated_at = datetime(2026, 11, 13, 6, 0, tzinfo=timezone.utc)
        tranches.pay_tranche(grant.tranches[1], paid_on=_day(date(2026, 11, 16)),
                             idempotency_key=f"demo-grant-{grant.id}-t2", actor=admin)
        _claim(grant, leader, admin, lines[1], lines[1].line_total_fen, date(2026, 11, 18), index + 1)
    if index == 0:
        # A claim waiting for staff, to approve in the demo.
        _claim(grant, leader, admin, lines[1], lines[1].line_total_fen // 2, date(2026, 11, 20), index + 2,
               approve=False)
    if stage == "closed":
        report = closing.submit_final_report(grant, actor=leader, beneficiaries=186, narrative=(
            "驿站全年服务骑手、快递员 1200 余人次，开展安全培训 4 次、急救培训 2 次。"),
            outcomes="12 名骑手取得急救证书；驿站纳入街道新就业群体服务阵地。")
        closing.accept_final_report(report, opinion="项目目标达成，同意结项。", actor=council,
                                    idempotency_key=f"demo-grant-{grant.id}-close")
