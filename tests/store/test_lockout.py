"""The lock-out holds under parallel attempts: at most five passwords are checked before the lock.

Fifty threads try a wrong password for one email at the same moment. Each attempt must take one of
the email's five slots in a single statement before its password is checked, so however the
attempts interleave, no more than five Argon2 hashes are checked; every later attempt, even with the
right password, is refused without a check. The same holds for an email no account has. Counted by
wrapping ``verify_password``. tests/store/on_postgres/test_lockout.py runs this module again with
the attempts spread over two handles on one PostgreSQL database, as two replicas would make them.
"""

from __future__ import annotations

import threading
from collections import Counter

import pytest

from scoring.store.accounts import MAX_FAILED_LOGINS, SignInError, authenticate

PARALLEL = 50
EMAIL = "reviewer@demo.example"
UNKNOWN = "nobody@demo.example"
PASSWORD = "demo-password"
WRONG = "not-the-password"


@pytest.fixture
def handles(demo_db):
    """The database handles the attempts go through: one DuckDB handle, used from every thread."""
    return [demo_db]





def in_parallel(handles, email: str, password: str, count: int = PARALLEL) -> Counter:
    """``count`` sign-ins started together, alternating between ``handles``: how each one ended."""
    start = threading.Barrier(count)
    outcomes: list[str] = [""] * count

    def attempt(number: int) -> None:
        start.wait()
        try:
            authenticate(handles[number % len(handles)], email, password)
            outcomes[number] = "signed in"
        except SignInError as refused:
            outcomes[number] = str(refused).split(";")[0]

    threads = [threading.Thread(target=attempt, args=(number,)) for number in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return Counter(outcomes)


def slots_taken(db, email: str) -> int:
    return int(db.scalar("SELECT coalesce(max(failed), 0) FROM sign_in_attempts WHERE email = ?", [email]))


@pytest.mark.parametrize("email", [EMAIL, UNKNOWN], ids=["an account's email", "an unknown email"])
def test_fifty_parallel_wrong_passwords_check_at_most_five_hashes(handles, hashes_checked, email):
    outcomes = in_parallel(handles, email, WRONG)

    assert len(hashes_checked) <= MAX_FAILED_LOGINS
    assert outcomes["signed in"] == 0
    assert outcomes["wrong email or password"] <= MAX_FAILED_LOGINS - 1
    assert sum(outcomes.values()) == PARALLEL
    assert set(outcomes) <= {"wrong email or password", "too many failed attempts"}
    assert slots_taken(handles[0], email) == MAX_FAILED_LOGINS


def test_after_a_parallel_burst_even_the_right_password_is_refused_unchecked(handles, hashes_checked):
    in_parallel(handles, EMAIL, WRONG)
    hashes_checked.clear()

    outcomes = in_parallel(handles, EMAIL, PASSWORD, count=20)

    assert outcomes == Counter({"too many failed attempts": 20})
    assert hashes_checked == []


def test_five_parallel_right_passwords_all_sign_in(handles, hashes_checked):
    # Each attempt holds its slot until its password is checked: five at the same instant fit, and
    # each success frees every slot again.
    outcomes = in_parallel(handles, EMAIL, PASSWORD, count=MAX_FAILED_LOGINS)

    assert outcomes == Counter({"signed in": MAX_FAILED_LOGINS})
    assert len(hashes_checked) == MAX_FAILED_LOGINS
    assert slots_taken(handles[0], EMAIL) == 0
