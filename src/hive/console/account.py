"""Console pages about signing in: a user's own sessions and password (我的会话), and the
platform admin's account actions (unlock a locked account, sign a user out everywhere)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import ValidationError

from hive.console import i18n
from hive.console.callers import SignedInActor, may, viewing
from hive.console.forms import CsrfToken
from hive.console.i18n import translator, wait_text
from hive.console.pages import client_of, current_session_id, language_of, render
from hive.console.timefmt import local_time
from hive.customers import service as customers
from hive.customers import sessions, signin
from hive.customers.errors import SignInLocked
from hive.customers.schemas import PasswordChange
from hive.platform.actor import Actor
from hive.platform.browser_session import browser_session
from hive.platform.csrf import verify_csrf
from hive.platform.errors import HiveError
from hive.platform.http import database_of
from hive.platform.permissions import Action, View

router = APIRouter(include_in_schema=False)
SESSIONS_PATH = "/account/sessions"
ACCOUNTS_PATH = "/admin/accounts"
MAX_USERNAME = 64
# The accounts page lists locked accounts: whoever may unlock them.
Unlocker = Annotated[Actor, may(Action.UNLOCK_ACCOUNT)]
# Tenant admins may unlock too (their own users, on the team page), not open this page.
ACCOUNT_SECURITY = viewing(View.ACCOUNT_SECURITY)

i18n.extend(
    {
        "zh": {
            "account.sessions.note": "以下设备当前登录着您的账号。结束会话后，该设备需重新登录。",
            "account.device": "设备（浏览器）",
            "account.ip": "地址",
            "account.created": "登录时间",
            "account.last_seen": "最近活动",
            "account.this_device": "当前设备",
            "account.end": "结束会话",
            "account.password": "修改密码",
            "account.password.note": "修改后，您在其他设备上的登录会话都将结束。",
            "account.password.current": "当前密码",
            "account.password.new": "新密码（至少 8 位）",
            "account.password.changed": "密码已修改，其他 {n} 个会话已结束。",
            "account.password.invalid": "新密码须为 8 到 128 个字符",
            "account.password.locked": "当前密码错误次数过多，账号已暂时锁定，请 {wait}后再试",
            "accounts.locked": "已锁定的账号",
            "accounts.locked.none": "当前没有被锁定的账号",
            "accounts.locked_until": "锁定至",
            "accounts.username": "用户名",
            "accounts.unlock": "解除锁定",
            "accounts.unlocked": "已解除 {name} 的登录锁定",
            "accounts.sign_out": "退出所有会话",
            "accounts.signed_out": "{name} 的 {n} 个会话已结束",
            "error.user_not_found": "用户不存在",
            "error.session_not_found": "会话不存在或已结束",
            "error.wrong_current_password": "当前密码不正确",
        },
        "en": {
            "account.sessions.note": "These devices are signed in to your account. "
            "Ending a session signs that device out.",
            "account.device": "Device (browser)",
            "account.ip": "Address",
            "account.created": "Signed in",
            "account.last_seen": "Last active",
            "account.this_device": "This device",
            "account.end": "End session",
            "account.password": "Change password",
            "account.password.note": "Changing it ends your sessions on every other device.",
            "account.password.current": "Current password",
            "account.password.new": "New password (8 characters or more)",
            "account.password.changed": "Password changed; {n} other sessions ended.",
            "account.password.invalid": "The new password must be 8 to 128 characters",
            "account.password.locked": "Too many wrong current passwords: the account is "
            "locked. Try again in {wait}",
            "accounts.locked": "Locked accounts",
            "accounts.locked.none": "No account is locked",
            "accounts.locked_until": "Locked until",
            "accounts.username": "Username",
            "accounts.unlock": "Unlock",
            "accounts.unlocked": "Sign-in lock of {name} lifted",
            "accounts.sign_out": "Sign out everywhere",
            "accounts.signed_out": "{n} sessions of {name} ended",
            "error.user_not_found": "No such user",
            "error.session_not_found": "The session does not exist or has ended",
            "error.wrong_current_password": "The current password is wrong",
        },
    }
)


async def _sessions_page(
    request: Request, actor: Actor, *, status_code: int = 200, **context: Any
) -> Response:
    async with database_of(request).actor_transaction(actor) as session:
        rows = await sessions.list_own_sessions(session, actor, now=datetime.now(UTC))
    current = current_session_id(request)
    listed = [
        {
            "id": row.id,
            "device": row.user_agent or "—",
            "ip": row.ip or "—",
            "created": local_time(row.created_at),
            "last_seen": local_time(row.last_seen_at),
            "current": row.id == current,
        }
        for row in rows
    ]
    return render(
        request,
        "account_sessions.html",
        status_code=status_code,
        actor=actor,
        sessions=listed,
        **context,
    )


@router.get(SESSIONS_PATH)
async def sessions_page(request: Request, actor: SignedInActor) -> Response:
    return await _sessions_page(request, actor)


@router.post(SESSIONS_PATH + "/end")
async def end_session(
    request: Request,
    actor: SignedInActor,
    session_id: Annotated[str, Form(max_length=64)] = "",
    csrf_token: CsrfToken = "",
) -> Response:
    verify_csrf(request.session, csrf_token)
    try:
        async with database_of(request).actor_transaction(actor) as session:
            await sessions.end_own_session(session, actor, session_id, now=datetime.now(UTC))
    except HiveError as exc:
        return await _sessions_page(
            request, actor, status_code=exc.http_status, error=f"error.{exc.code}"
        )
    if session_id == current_session_id(request):
        browser_session(request).rotate()
        return RedirectResponse("/login", status_code=303)
    return RedirectResponse(SESSIONS_PATH, status_code=303)


@router.post("/account/password")
async def change_password(
    request: Request,
    actor: SignedInActor,
    current_password: Annotated[str, Form(max_length=128)] = "",
    new_password: Annotated[str, Form(max_length=128)] = "",
    csrf_token: CsrfToken = "",
) -> Response:
    verify_csrf(request.session, csrf_token)
    try:
        data = PasswordChange(current_password=current_password, new_password=new_password)
    except ValidationError:
        return await _sessions_page(
            request, actor, status_code=422, error="account.password.invalid"
        )
    try:
        ended = await signin.change_password(
            database_of(request),
            request.app.state.settings,
            actor,
            data,
            client_of(request),
            keep_session=current_session_id(request),
            guard=getattr(request.app.state, "sign_in_guard", None),
        )
    except SignInLocked as exc:
        return await _password_locked(request, actor, exc)
    except HiveError as exc:
        return await _sessions_page(
            request, actor, status_code=exc.http_status, error=f"error.{exc.code}"
        )
    return await _sessions_page(request, actor, password_changed=ended)


async def _password_locked(request: Request, actor: Actor, exc: SignInLocked) -> Response:
    t = translator(language_of(request))
    key = "login.locked_address" if exc.scope == "address" else "account.password.locked"
    response = await _sessions_page(
        request,
        actor,
        status_code=exc.http_status,
        error=key,
        error_text=t(key).format(wait=wait_text(t, exc.retry_after_s)),
    )
    response.headers["Retry-After"] = str(exc.retry_after_s)
    return response


async def _accounts_page(
    request: Request, actor: Actor, *, status_code: int = 200, **context: Any
) -> Response:
    async with database_of(request).platform_transaction() as session:
        locked = await signin.locked_accounts(session)
    rows = [{"username": a.username, "until": local_time(a.locked_until)} for a in locked]
    return render(
        request,
        "admin_accounts.html",
        status_code=status_code,
        actor=actor,
        locked=rows,
        **context,
    )


@router.get(ACCOUNTS_PATH, dependencies=[ACCOUNT_SECURITY])
async def accounts_page(request: Request, actor: Unlocker) -> Response:
    return await _accounts_page(request, actor)


@router.post(ACCOUNTS_PATH + "/unlock", dependencies=[ACCOUNT_SECURITY])
async def unlock(
    request: Request,
    actor: Unlocker,
    username: Annotated[str, Form(max_length=MAX_USERNAME)] = "",
    csrf_token: CsrfToken = "",
) -> Response:
    verify_csrf(request.session, csrf_token)
    try:
        async with database_of(request).platform_transaction() as session:
            await signin.unlock_account(session, actor, username.strip())
    except HiveError as exc:
        return await _accounts_page(
            request, actor, status_code=exc.http_status, error=f"error.{exc.code}"
        )
    guard: signin.SignInGuard | None = getattr(request.app.state, "sign_in_guard", None)
    if guard is not None:
        guard.forget(username.strip())
    return await _accounts_page(request, actor, unlocked=username.strip())


@router.post(ACCOUNTS_PATH + "/sign-out", dependencies=[ACCOUNT_SECURITY])
async def sign_out_everywhere(
    request: Request,
    actor: Annotated[Actor, may(Action.END_USER_SESSIONS)],
    username: Annotated[str, Form(max_length=MAX_USERNAME)] = "",
    csrf_token: CsrfToken = "",
) -> Response:
    verify_csrf(request.session, csrf_token)
    name = username.strip()
    try:
        async with database_of(request).platform_transaction() as session:
            user = await customers.get_user_by_username(session, name)
            ended = await sessions.sign_out_everywhere(
                session, actor, user.id, now=datetime.now(UTC)
            )
    except HiveError as exc:
        return await _accounts_page(
            request, actor, status_code=exc.http_status, error=f"error.{exc.code}"
        )
    return await _accounts_page(request, actor, signed_out=name, ended=ended)
