"""Reading what people type on Japanese keyboards."""

import pytest

from app import text
from app.extensions import db
from tests.support.factories import PASSWORD, make_account


def test_an_address_typed_in_full_width_is_the_same_address():
    assert (
        text.normalise_email(" ｈａｎａｋｏ＠Ｅｘａｍｐｌｅ．ＪＰ ")
        == "hanako@example.jp"
    )


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("やまだ　はなこ", "ヤマダ ハナコ"),
        ("ﾔﾏﾀﾞ ﾊﾅｺ", "ヤマダ ハナコ"),
        ("ヤマダ  ハナコ", "ヤマダ ハナコ"),
    ],
)
def test_any_kana_becomes_full_width_katakana(typed, stored):
    assert text.to_katakana(typed) == stored
    assert text.is_katakana(stored)


def test_kanji_and_latin_letters_are_not_katakana():
    assert not text.is_katakana("山田")
    assert not text.is_katakana("Yamada")
    assert not text.is_katakana("")


@pytest.mark.parametrize(
    ("typed", "stored"), [("１５４−０００４", "154-0004"), ("〒1540004", "154-0004")]
)
def test_postal_codes_are_read_however_they_are_written(typed, stored):
    assert text.normalise_postal_code(typed) == stored


def test_a_participant_can_sign_in_with_the_address_typed_in_full_width(client):
    make_account(email="hanako@example.jp")
    db.session.commit()

    response = client.post(
        "/sign-in",
        data={"email": "ｈａｎａｋｏ＠ｅｘａｍｐｌｅ．ｊｐ", "password": PASSWORD},
    )

    assert response.status_code == 303


def test_a_participant_can_register_with_the_address_typed_in_full_width(client):
    from tests.test_participant_accounts import _registration

    response = client.post(
        "/register", data=_registration(email="ｓａｋｕｒａ＠ｅｘａｍｐｌｅ．ｊｐ")
    )

    assert response.status_code == 303
