"""Sign-in, own account, community and language switching, and user management."""

import sqlalchemy as sa
from flask import (
    Blueprint,
    abort,
    flash,
    g,
    make_response,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user
from sqlalchemy.orm import selectinload

from charity import transaction, web
from charity.accounts import auth, services
from charity.accounts.access import (
    community_members_query,
    get_member_or_404,
    has_role,
    requires,
    sees_personal_data,
)
from charity.accounts.forms import (
    ChangePasswordForm,
    CommunityForm,
    ConfirmForm,
    LanguageForm,
    LoginForm,
    ResetPasswordForm,
    UserCreateForm,
    UserEditForm,
    UserRolesForm,
    UserSearchForm,
)
from charity.accounts.models import ROLE_ORDER, Membership, Role, User
from charity.audit.models import AuditEvent
from charity.audit.services import filtered_events, record_for_user
from charity.errors import AccountLocked, CharityError
from charity.extensions import db
from charity.models_base import utcnow
from charity.pagination import paginate, query_args
from charity.security import after_sign_in, reset_session, safe_next, start_session
from charity.web import back_on_error, submit

bp = Blueprint("accounts", __name__)


@bp.route("/login", methods=["GET", "POST"])
def login():
    if current_user.is_authenticated:
        return redirect(after_sign_in(request.args.get("next")))
    form = LoginForm()
    if request.method == "GET":
        form.next.data = request.args.get("next", "")
    if form.validate_on_submit():
        # Escape hatch (charity.transaction.keep): the attempt counts, and a lock-out is
        # recorded, although the answer is then 401 or 429; and the count is committed
        # before the slow password check, so that no lock is held meanwhile.
        try:
            attempt = auth.count_attempt(form.username.data, request.remote_addr)
        except AccountLocked as exc:
            transaction.keep()
            form.password.errors.append(exc.message)
            return _locked(render_template("accounts/login.html", form=form), exc)
        transaction.keep()
        try:
            user = auth.authenticate(attempt, form.password.data)  # refuses before it writes
        except CharityError as exc:
            form.password.errors.append(exc.message)
            if isinstance(exc, auth.InvalidCredentials):  # not for a deactivated account
                auth.audit_failure(attempt)
                transaction.keep()
                warning = auth.failure_warning(attempt)
                if warning:
                    form.password.errors.append(warning)
            return render_template("accounts/login.html", form=form), 401
        chosen_language = session.get("lang") if session.get("lang_chosen_signed_out") else None
        if chosen_language:  # chosen on the sign-in page: it wins, and is saved
            user.locale = chosen_language
        previous_login = user.last_login_at
        user.last_login_at = utcnow()
        communities = user.communities()
        record_for_user("session.login", user, actor=user)
        transaction.keep()  # before the session changes: a failed commit signs nobody in
        # A new session for the new identity: nothing from before sign-in carries over,
        # not even the previous person's language unless chosen just now.
        reset_session()
        if not chosen_language:
            session.pop("lang", None)
        login_user(user)
        start_session()
        session["community_id"] = communities[0].id if communities else None
        if previous_login is not None:  # shown on the home page, to notice strangers
            session["previous_login_at"] = previous_login.isoformat()
        if user.must_change_password:
            flash(_("Please choose a new password before you continue."), "warning")
            return redirect(url_for("accounts.password", next=after_sign_in(form.next.data)))
        return redirect(after_sign_in(form.next.data))
    status = 400 if request.method == "POST" else 200
    return render_template("accounts/login.html", form=form), status


def _locked(body, exc):
    response = make_response(body, 429)
    response.headers["Retry-After"] = str(exc.retry_after_minutes * 60)
    return response


@bp.route("/logout", methods=["GET", "POST"])
@login_required
def logout():
    """Sign out everywhere: every session cookie of this user stops working. A GET (a
    typed or bookmarked address) shows the button; only the POST signs out."""
    if request.method == "GET":
        return render_template("accounts/logout.html")
    if not ConfirmForm().validate_on_submit():
        abort(400)
    user = current_user._get_current_object()
    auth.end_all_sessions(user)
    record_for_user("session.logout", user, actor=user)
    transaction.keep()  # before the session changes: a failed commit signs nobody out
    logout_user()
    reset_session()
    flash(_("You have signed out on all your devices."), "success")
    return redirect(url_for("accounts.login"))


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def password():
    form = ChangePasswordForm()
    if current_user.must_change_password:
        form.current.label.text = _("Temporary password (the one you were given)")
    if form.validate_on_submit():
        user = current_user._get_current_object()
        # Guessing the current password is throttled like sign-in, and the count stays
        # although the answer is then 400 or 429 (escape hatch: charity.transaction.keep).
        try:
            attempt = auth.count_attempt(user.username, request.remote_addr)
        except AccountLocked as exc:
            transaction.keep()
            form.current.errors.append(exc.message)
            return _locked(render_template("accounts/password.html", form=form), exc)
        transaction.keep()
        try:
            services.change_own_password(user, form.current.data, form.password.data,
                                         community=g.community)
        except services.WrongPassword as exc:
            transaction.rollback()
            form.current.errors.append(exc.message)
            auth.audit_failure(attempt)
            transaction.keep()
            warning = auth.failure_warning(attempt)
            if warning:
                form.current.errors.append(warning)
        except CharityError as exc:
            transaction.rollback()
            auth.attempt_succeeded(attempt)  # the current password was right
            transaction.keep()
            form.password.errors.append(exc.message)
        else:
            auth.attempt_succeeded(attempt)
            transaction.keep()  # before the session changes
            # Other sessions ended with the version bump; this one continues under the
            # new one, with its original sign-in time (the absolute limit still counts).
            login_at = session.get("login_at")
            login_user(user)
            start_session()
            if login_at:
                session["login_at"] = login_at
            flash(_("Your password has been changed. Other devices have been signed out."), "success")
            return redirect(safe_next(request.args.get("next")))
    status = 400 if form.errors else 200
    return render_template("accounts/password.html", form=form), status


@bp.route("/language", methods=["POST"])
def language():
    form = LanguageForm()
    if form.validate_on_submit():
        session["lang"] = form.language.data
        session["lang_chosen_signed_out"] = not current_user.is_authenticated
        if current_user.is_authenticated:
            current_user.locale = form.language.data
    return redirect(safe_next(form.next.data))


@bp.route("/community", methods=["POST"])
@login_required
def switch_community():
    form = CommunityForm()
    if not form.validate_on_submit():
        abort(400)
    if form.community_id.data not in {c.id for c in current_user.communities()}:
        abort(404)
    session["community_id"] = form.community_id.data
    return redirect(url_for("main.index"))


# -- user management (admins of the current community) ---------------------------------


@bp.route("/accounts/users")
@requires("admin", "council", "auditor")
def users():
    form = UserSearchForm(request.args)
    form.validate()
    stmt = (community_members_query(g.community).order_by(User.username)
            .options(selectinload(User.memberships)))
    if form.q.data and not form.q.errors:
        like = f"%{form.q.data}%"
        searched = [User.username.ilike(like), User.display_name.ilike(like)]
        if sees_personal_data():  # others must not probe phone numbers through search
            searched.append(User.phone.ilike(like))
        stmt = stmt.where(sa.or_(*searched))
    if form.role.data and not form.role.errors:
        stmt = stmt.where(User.id.in_(
            sa.select(Membership.user_id).where(Membership.community_id == g.community.id,
                                                Membership.role == Role(form.role.data))))
    if form.status.data == "active":
        stmt = stmt.where(User.active.is_(True))
    elif form.status.data == "inactive":
        stmt = stmt.where(User.active.is_(False))
    elif form.status.data == "locked":
        stmt = stmt.where(User.username.in_(auth.locked_accounts_query()))
    page = paginate(stmt)
    locked = auth.locked_among(u.username for u in page.items)
    return render_template("accounts/users.html", page=page, form=form, locked=locked,
                           args=query_args(form))


@bp.route("/accounts/users/new", methods=["GET", "POST"])
@requires("admin")
def user_new():
    form = UserCreateForm()

    def create(form):
        user = services.create_user(
            g.community,
            username=form.username.data,
            display_name=form.display_name.data,
            phone=form.phone.data,
            locale=form.locale.data,
            roles=form.roles.data,
            password=form.password.data,
            actor=web.actor(),
        )
        return (_("User %(name)s created. They must change the password at first sign-in.",
                  name=user.username), url_for("accounts.user_detail", user_id=user.id))

    def render(status):
        if form.is_submitted() and not form.username.errors and form.username.data \
                and services.username_taken(form.username.data):
            # Say it now, with the other mistakes, not after they are fixed.
            form.username.errors.append(_("This username is already taken. Please choose another."))
        return render_template("accounts/user_form.html", form=form, user=None), status

    return submit(form, create, render=render, fields={CharityError: "username"})


@bp.route("/accounts/users/<id:user_id>")
@requires("admin", "council", "auditor")
def user_detail(user_id):
    return _render_detail(get_member_or_404(user_id), ResetPasswordForm())


def _render_detail(user, reset_form, status=200):
    history = []
    if has_role("admin", "council", "auditor"):
        history = db.session.scalars(
            filtered_events(g.community, object_type="user", object_id=str(user.id))
            .where(~AuditEvent.action.startswith("session.")).limit(10)).all()
    return render_template(
        "accounts/user_detail.html",
        user=user,
        roles=[r for r in ROLE_ORDER if r in user.roles_in(g.community.id)],
        locked=auth.is_account_locked(user.username),
        shared=services.belongs_elsewhere(g.community, user),
        history=history,
        reset_form=reset_form,
        confirm_form=ConfirmForm(),
    ), status


@bp.route("/accounts/users/<id:user_id>/edit", methods=["GET", "POST"])
@requires("admin")
def user_edit(user_id):
    user = get_member_or_404(user_id)
    shared = services.belongs_elsewhere(g.community, user)
    # Name, phone and language belong to the account, which another community shares:
    # for such an account only the roles here can change, and clearing them removes it.
    form = UserRolesForm() if shared else UserEditForm(obj=user)
    if request.method == "GET":
        form.roles.data = [r.value for r in user.roles_in(g.community.id)]
        if not shared:
            form.locale.data = user.locale or ""

    def save(form):
        profile = None if shared else {"display_name": form.display_name.data,
                                       "phone": form.phone.data, "locale": form.locale.data}
        services.update_user(g.community, user, roles=form.roles.data, profile=profile, actor=web.actor())
        if not user.roles_in(g.community.id):
            return (_("%(name)s no longer has a role in this community.", name=user.display_name),
                    url_for("accounts.users"))
        return _("Changes saved."), url_for("accounts.user_detail", user_id=user.id)

    return submit(form, save, fields={CharityError: "roles"}, render=lambda status: (
        render_template("accounts/user_form.html", form=form, user=user, shared=shared), status))


def _user_action(user_id, action, success_message):
    user = get_member_or_404(user_id)
    form = ConfirmForm()
    if not form.validate_on_submit():
        abort(400)
    back = back_on_error(url_for("accounts.user_detail", user_id=user.id))
    action(g.community, user, actor=current_user._get_current_object())
    flash(success_message(), "success")
    return redirect(back)


@bp.route("/accounts/users/<id:user_id>/deactivate", methods=["POST"])
@requires("admin")
def user_deactivate(user_id):
    return _user_action(user_id, services.deactivate,
                        lambda: _("The account is deactivated and signed out everywhere."))


@bp.route("/accounts/users/<id:user_id>/reactivate", methods=["POST"])
@requires("admin")
def user_reactivate(user_id):
    return _user_action(user_id, services.reactivate, lambda: _("The account is active again."))


@bp.route("/accounts/users/<id:user_id>/unlock", methods=["POST"])
@requires("admin")
def user_unlock(user_id):
    return _user_action(user_id, services.unlock, lambda: _("Sign-in is unlocked for this account."))


@bp.route("/accounts/users/<id:user_id>/reset-password", methods=["POST"])
@requires("admin")
def user_reset_password(user_id):
    user = get_member_or_404(user_id)
    form = ResetPasswordForm()
    if form.validate_on_submit():
        back_on_error(url_for("accounts.user_detail", user_id=user.id))
        services.reset_password(g.community, user, form.password.data,
                                actor=current_user._get_current_object())
        flash(_("Temporary password set. The user must change it at the next sign-in."), "success")
        return redirect(url_for("accounts.user_detail", user_id=user.id))
    flash(_("The temporary password was not set: please correct the form."), "danger")
    return _render_detail(user, form, 422)


@bp.app_context_processor
def _forms():
    # The language and community switchers appear on every page.
    # formdata=None: these never read the submitted body (it may be the cause of an error).
    return {"language_form": LanguageForm(formdata=None),
            "community_form": CommunityForm(formdata=None),
            "logout_form": ConfirmForm(formdata=None)}

