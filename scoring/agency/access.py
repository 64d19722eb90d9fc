"""Roles, what each may do, and the check every store function makes before it reads or writes.

The policy is data: a permission names the roles that hold it. Pages use the same table to decide
what to show, but the store enforces it, so a page that forgot to check still cannot leak or write.
"""

from __future__ import annotations

from dataclasses import dataclass

ROLES = ("reviewer", "hiring_lead", "ops", "auditor", "admin")
ROLE_LABELS = {"reviewer": "Reviewer", "hiring_lead": "Hiring lead", "ops": "Ops", "auditor": "Auditor",
               "admin": "Admin"}

#: permission -> roles holding it
PERMISSIONS: dict[str, frozenset[str]] = {
    "read_pipeline": frozenset({"hiring_lead", "ops", "admin"}),
    "read_candidates": frozenset({"reviewer", "hiring_lead", "ops", "admin"}),
    "read_all_scores": frozenset({"hiring_lead", "ops", "admin"}),
    "write_scores": frozenset({"reviewer"}),
    "adjudicate": frozenset({"hiring_lead", "admin"}),
    "read_calibration": frozenset({"hiring_lead", "admin"}),
    "read_ops": frozenset({"ops", "admin"}),
    "write_ops": frozenset({"ops", "admin"}),
    "read_validity": frozenset({"hiring_lead", "admin"}),
    "manage_weights": frozenset({"admin"}),
    "manage_accounts": frozenset({"admin"}),
    "manage_calibration": frozenset({"admin"}),
    "read_audit_log": frozenset({"admin"}),
    "import_export": frozenset({"admin"}),
    # Candidates' voluntary self-identification (scoring.domain.self_identification) and what is computed
    # from it: only auditors and admins, never a role that scores, leads or audits promises.
    "read_self_identification": frozenset({"auditor", "admin"}),
    "read_fairness": frozenset({"auditor", "admin"}),
}


class PermissionDenied(PermissionError):
    """The acting account's role or assignment does not allow this; nothing was read or written."""


class StaleSession(PermissionDenied):
    """The session's account no longer matches the database: it was signed in before a change that ends it.

    Raised by :func:`scoring.store.authorization.authorize` before anything is read or written.
    ``reason`` is one of :attr:`DEACTIVATED` (the account was deactivated or removed),
    :attr:`ROLE_CHANGED` (its role is now ``now_role``) and :attr:`ENDED` (the account signed out,
    or was changed and changed back, since this session began). Pages sign the person out.
    """

    DEACTIVATED = "deactivated"
    ROLE_CHANGED = "role changed"
    ENDED = "ended"

    def __init__(self, actor: Account, reason: str, now_role: str | None = None) -> None:
        why = {
            self.DEACTIVATED: "the account was deactivated",
            self.ROLE_CHANGED: f"the account's role changed from {ROLE_LABELS[actor.role].lower()} to "
                               f"{ROLE_LABELS.get(str(now_role), str(now_role)).lower()}",
            self.ENDED: "the account signed out, or an admin changed it, since this session signed in",
        }[reason]
        super().__init__(f"the session of {actor.email} has ended: {why}; sign in again")
        self.actor, self.reason, self.now_role = actor, reason, now_role


@dataclass(frozen=True)
class Account:
    """The signed-in person on whose behalf a store function runs.

    ``session_version`` is the account's session version when this session signed in; the store
    refuses the account once the stored version has moved on (see
    :mod:`scoring.store.authorization`).
    """

    account_id: int
    email: str
    display_name: str
    role: str
    session_version: int = 0

    def __post_init__(self) -> None:
        if self.role not in ROLES:
            raise ValueError(f"unknown role {self.role!r}; valid: {', '.join(ROLES)}")

    def may(self, permission: str) -> bool:
        """Whether this account's role holds ``permission``."""
        if permission not in PERMISSIONS:
            raise ValueError(f"unknown permission {permission!r}")
        return self.role in PERMISSIONS[permission]


def require(actor: Account | None, permission: str) -> Account:
    """Return ``actor`` if it holds ``permission``; otherwise raise :class:`PermissionDenied`."""
    if actor is None:
        raise PermissionDenied(f"sign in first: {permission.replace('_', ' ')} needs an account")
    if not actor.may(permission):
        holders = ", ".join(ROLE_LABELS[r] for r in ROLES if r in PERMISSIONS[permission])
        raise PermissionDenied(
            f"{actor.email} is a {ROLE_LABELS[actor.role].lower()}; "
            f"{permission.replace('_', ' ')} is for: {holders}")
    return actor


#: The account an operator command acts as (``scorecard report ops``), run by whoever can open the
#: database itself. It holds the ops role, so every store read still checks its permissions, and it
#: has no row in ``accounts`` (id 0): a write in its name would need an audit entry naming an account
#: that does not exist, which the database refuses, so it can only read. Having no row, it has no
#: session to check: :func:`scoring.store.authorization.authorize` recognises this very object (never
#: an equal copy), so no signed-in session can pass for it.
OPERATOR = Account(0, "operator@command-line.invalid", "Command-line operator", "ops")


#: The identity the dashboard server computes shared figures as, in the background, for everyone allowed
#: to see them (:mod:`ui.shared_reads`): no person acts, so it borrows no one's account. Like
#: :data:`OPERATOR` it has no row in ``accounts`` (id 0) and is recognised by identity, never by an equal
#: copy, so no session can pass for it. Its role is admin only so that one identity reaches every page's
#: report; :func:`scoring.store.authorization.authorize` lets it use no permission outside
#: :data:`SERVER_READS`, so it can never write, and an audit entry in its name would be refused anyway.
SERVER = Account(0, "server@background.invalid", "Dashboard server (background figures)", "admin")
#: The only permissions :data:`SERVER` may use: the reads behind the pages' shared reports.
SERVER_READS = frozenset({"read_pipeline", "read_candidates", "read_calibration", "read_validity", "read_ops"})

#: The identity the server computes the fairness audit's shared figures as: counts per self-identified
#: group and the reviewer x group model, which need self-identification. Kept apart from :data:`SERVER`
#: so that no other report computed in the background can ever read self-identification, even by a
#: mistake in what a page asks for; like it, recognised by identity only and limited to
#: :data:`AUDIT_SERVER_READS`. Its figures reach only people whose own role may read the audit.
AUDIT_SERVER = Account(0, "audit-server@background.invalid", "Dashboard server (background audit figures)", "auditor")
#: The only permissions :data:`AUDIT_SERVER` may use.
AUDIT_SERVER_READS = frozenset({"read_fairness", "read_self_identification"})
#: Each background identity with the only permissions it may use.
BACKGROUND_READS: tuple[tuple[Account, frozenset[str]], ...] = ((SERVER, SERVER_READS),
                                                                 (AUDIT_SERVER, AUDIT_SERVER_READS))


def background_identity(permission: str) -> Account:
    """Whom the server computes a shared report read with ``permission`` as.

    >>> background_identity("read_fairness").role, background_identity("read_ops").role
    ('auditor', 'admin')
    """
    return AUDIT_SERVER if permission in AUDIT_SERVER_READS else SERVER
