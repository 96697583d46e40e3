"""Demo cross-links: several demo projects answer a demo need and draw on partners'
services, and the riders' need is matched to the riders' team. Runs after the partners'
and teams' demo data; adds the links only once (when no demo project has any yet) and
skips whatever is missing."""

import sqlalchemy as sa

from charity.accounts.models import User
from charity.extensions import db
from charity.needs import services as needs
from charity.needs.models import Need, NeedState
from charity.partners.models import Service
from charity.projects import services as projects
from charity.projects.models import Project, ProjectService
from charity.teams.models import Team

#: (project title, need description or None, service names)
LINKS = [
    ("爱心义剪", "5 栋独居老人希望每月有人上门理发", ["爱心义剪"]),
    ("便民维修进院落", "桂花巷多户老人家中电饭煲、电扇损坏", ["小家电免费检修", "衣物缝补"]),
    ("四点半公益课堂", "双职工家庭孩子放学后无人看管", ["四点半课堂"]),
    ("亲子共读·绘本时光", None, ["亲子绘本课堂"]),
    ("空巢老人入户探访", None, ["邻里结对探访", "送果上门"]),
    ("新就业群体关爱驿站", "外卖骑手希望有歇脚、充电的地方", ["骑手歇脚点"]),
]

#: (need description, team name): a need the council matched to a resident team.
TEAM_MATCH = ("外卖骑手希望有歇脚、充电的地方", "骑手驿站互助队")


def _one(model, community, **by):
    stmt = sa.select(model).where(model.community_id == community.id)
    for key, value in by.items():
        stmt = stmt.where(getattr(model, key) == value)
    return db.session.scalars(stmt.order_by(model.id)).first()


def load(community):
    """Add the demo links to ``community`` unless any project already has some."""
    linked = db.session.scalar(sa.select(Project.id).where(
        Project.community_id == community.id,
        sa.or_(Project.need_id.is_not(None),
               Project.id.in_(sa.select(ProjectService.project_id)))).limit(1))
    if linked:
        return
    council = db.session.scalar(sa.select(User).where(User.username == "council"))
    description, team_name = TEAM_MATCH
    need = _one(Need, community, description=description)
    team = _one(Team, community, name=team_name)
    if need is not None and team is not None and need.state == NeedState.open:
        needs.transition(need, "match", team_id=team.id, note="由骑手驿站互助队对接爱心驿站", actor=council)
    for title, need_description, service_names in LINKS:
        project = _one(Project, community, title=title)
        if project is None:
            continue
        need = _one(Need, community, description=need_description) if need_description else None
        service_ids = [s.id for name in service_names
                       if (s := _one(Service, community, name=name)) is not None and s.active]
        projects.set_project_links(project, need_id=need.id if need else None, service_ids=service_ids,
                                   actor=council)
