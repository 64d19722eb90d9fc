"""The signed-in account, checked for the permission a page needs before it draws anything."""

from __future__ import annotations

from scoring.agency.access import Account, require
from ui.context import require_account

#: ``Account`` is the signed-in person as pages type it.
__all__ = ["Account", "account_allowed"]


def account_allowed(permission: str) -> Account:
    """The signed-in account if its role holds ``permission``.

    Otherwise :class:`~scoring.agency.access.PermissionDenied`, which :func:`ui.context.guarded`
    shows as "Not allowed: ..." in place of the page.
    """
    return require(require_account(), permission)
