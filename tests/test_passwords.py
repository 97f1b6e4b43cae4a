"""Password hashing and the password policy."""

from argon2 import PasswordHasher

from app import passwords
from app.extensions import db
from tests.support.factories import make_account


def test_passwords_are_hashed_with_argon2id():
    assert passwords.hash_password("correct horse battery").startswith("$argon2id$")


def test_a_password_typed_in_full_width_matches_the_same_in_half_width():
    stored = passwords.hash_password("Sakura2026!")
    assert passwords.verify_password(stored, "Ｓａｋｕｒａ２０２６！")


def test_any_unicode_password_works():
    stored = passwords.hash_password("さくらが咲いた春の日に🌸")
    assert passwords.verify_password(stored, "さくらが咲いた春の日に🌸")
    assert not passwords.verify_password(stored, "さくらが咲いた春の日")


def test_the_shipped_list_holds_at_least_ten_thousand_common_passwords():
    assert len(passwords.common_passwords()) >= 10_000
    assert "password" in passwords.common_passwords()


def test_common_short_and_overlong_passwords_are_refused():
    assert passwords.problems("qwerty123")
    assert passwords.problems("短い")
    assert passwords.problems("x" * 129)
    assert passwords.problems("hanako@example.jp", email="hanako@example.jp")
    assert passwords.problems("長い春の日の公園で会いましょう") == []


def test_signing_in_upgrades_a_hash_made_with_older_parameters(app):
    weak = PasswordHasher(time_cost=1, memory_cost=8 * 1024, parallelism=1)
    account = make_account(password=None)
    account.password_hash = weak.hash("長い春の日の公園で会いましょう")
    db.session.flush()

    assert account.check_password("長い春の日の公園で会いましょう")

    assert not passwords.needs_rehash(account.password_hash)


def test_a_malformed_stored_hash_never_verifies():
    assert not passwords.verify_password("not-a-hash", "anything")
