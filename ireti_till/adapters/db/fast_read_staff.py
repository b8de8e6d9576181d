"""The staff list for the sign-in screen through the standard library's ``sqlite3``.

The sign-in screen is the first screen of an ordinary start. To show it without waiting
for SQLAlchemy, the names it lists can be read here, over ``FastReads`` (read-only
connection, one read transaction), with the same columns, filter and order as
``SqlStaffRepository.members`` / ``count`` (tests/integration/test_fast_read_staff.py
compares them). Signing in itself (PIN check, lockouts, audit) always goes through the
staff service on the full ledger.
"""

from __future__ import annotations

from typing import Final

from ireti_till.adapters.db.fast_read import FastReads
from ireti_till.domain.staff import Role, StaffMember

_MEMBERS: Final = ("SELECT staff_users.user_id, staff_users.name, staff_users.role,"
                   " staff_users.active, staff_users.demo FROM staff_users")


class FastStaffReads:
    """``members`` and ``count`` of the staff repository, read without SQLAlchemy."""

    def __init__(self, reads: FastReads) -> None:
        self._reads = reads

    def members(self, include_inactive: bool = True) -> list[StaffMember]:
        sql = _MEMBERS if include_inactive else _MEMBERS + " WHERE staff_users.active IS 1"
        with self._reads() as uow:
            rows = uow.connection.execute(sql).fetchall()
        found = [StaffMember(str(r[0]), str(r[1]), Role(r[2]), bool(r[3]), bool(r[4]))
                 for r in rows]
        return sorted(found, key=lambda s: (-s.role.rank, s.name.casefold()))

    def count(self) -> int:
        with self._reads() as uow:
            return int(uow.connection.execute("SELECT count(*) FROM staff_users").fetchone()[0])
