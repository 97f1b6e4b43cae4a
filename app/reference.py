"""Reference data every installation needs, loaded idempotently.

Running the loader again updates names and adds what is missing; it never
duplicates a row and never removes one that records may point to.
"""

import csv
import logging
from importlib import resources

from app.extensions import db
from app.models import (
    Category,
    ContentPage,
    LoadAttribute,
    LoadLevel,
    Municipality,
)
from app.models.types import ContentKind, ContentStatus

logger = logging.getLogger(__name__)

CATEGORIES = (
    ("welfare", "福祉・介護", "Welfare and care"),
    ("children", "子ども・子育て", "Children and parenting"),
    ("community", "地域・まちづくり", "Community and neighbourhood"),
    ("environment", "環境・緑化", "Environment and greenery"),
    ("health", "健康・スポーツ", "Health and sport"),
    ("learning", "学び・教養", "Learning"),
    ("culture", "文化・芸術", "Culture and arts"),
    ("hobby", "趣味・サークル", "Hobbies and circles"),
    ("disaster", "防災・防犯", "Disaster and crime prevention"),
    ("international", "国際交流", "International exchange"),
    ("work", "仕事・シルバー人材", "Work"),
    ("events", "イベント・お祭り", "Events and festivals"),
)

# Levels rise with what the activity asks of the body; a participant's limit
# is the highest level they accept.
LOAD_ATTRIBUTES = (
    (
        "standing",
        "立ち仕事",
        "Standing",
        (
            ("ほとんど座ったまま", "Mostly seated"),
            ("30分ほど立つ", "Up to 30 minutes standing"),
            ("1時間ほど立つ", "Up to an hour standing"),
            ("1時間以上立つ", "More than an hour standing"),
        ),
    ),
    (
        "walking",
        "歩く距離",
        "Walking",
        (
            ("ほとんど歩かない", "Hardly any walking"),
            ("15分ほど歩く", "About 15 minutes"),
            ("30分ほど歩く", "About 30 minutes"),
            ("1時間以上歩く", "An hour or more"),
        ),
    ),
    (
        "stairs",
        "階段",
        "Stairs",
        (
            ("段差なし・エレベーターあり", "Step-free or lift"),
            ("階段を使う", "Stairs to climb"),
        ),
    ),
    (
        "outdoors",
        "屋内・屋外",
        "Indoors or outdoors",
        (
            ("屋内", "Indoors"),
            ("屋内と屋外", "Indoors and outdoors"),
            ("屋外", "Outdoors"),
        ),
    ),
    (
        "toilet",
        "トイレ",
        "Toilet",
        (
            ("車いす対応トイレあり", "Accessible toilet"),
            ("トイレあり", "Toilet available"),
            ("トイレなし", "No toilet nearby"),
        ),
    ),
    (
        "companion",
        "付き添い",
        "Companion",
        (
            ("付き添いの方も参加できます", "A companion may come"),
            ("付き添いはできません", "No companion"),
        ),
    ),
)

# Pages the registration form links to. They are created only when missing:
# staff edit them in the console, and their edits are never overwritten.
FIXED_PAGES = (
    (
        "terms",
        "利用規約",
        """この規約は、東京つながりナビ（以下「本サイト」といいます。）を使うときの約束です。

■ 登録
登録する方は、ご本人の正しい情報を登録してください。

■ してはいけないこと
・ほかの人になりすますこと
・お金もうけを目的とした勧誘や宣伝をすること
・ほかの利用者や団体を傷つける内容を送ること

■ 活動への参加
活動への参加は、利用者と団体の間の約束です。活動の内容や参加中のけがなどは、団体とご相談ください。

■ 規約の変更
この規約を変えるときは、本サイトでお知らせします。""",
    ),
    (
        "privacy",
        "プライバシーポリシー",
        """本サイトは、お預かりした個人情報を、法令と条例に従って大切に管理します。

■ お預かりする情報
お名前、ふりがな、生まれた年、お住まいの区市町村、メールアドレスなどです。

■ 使う目的
・活動のご紹介と、応募の取り次ぎ
・お知らせの送付
・区市町村ごとの統計（個人がわからない形に限ります）

■ ほかへの提供
応募した活動の団体に、応募に必要な範囲でお伝えします。それ以外に、ご本人の同意なく提供することはありません。

■ 退会
退会すると、お名前などの個人情報を消去します。""",
    ),
    (
        "accessibility",
        "アクセシビリティ方針",
        """本サイトは、年齢や障害の有無にかかわらず、誰もが使えることを目指しています。

■ 目標
日本産業規格 JIS X 8341-3:2016 の適合レベルAAを目標とします。

■ 取り組み
・文字を大きくしたり、白黒をはっきりさせたりできます
・ボタンは指で押しやすい大きさにしています
・JavaScriptを使わなくても、すべての機能を使えます
・時間の制限や、自動で動く表示は使いません""",
    ),
)


def load_reference_data() -> None:
    load_municipalities()
    load_categories()
    load_load_attributes()
    load_fixed_pages()
    db.session.commit()


def load_municipalities() -> None:
    existing = {m.code: m for m in db.session.scalars(db.select(Municipality))}
    text = resources.files("app.data").joinpath("tokyo_municipalities.csv")
    with text.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    added = 0
    for row in rows:
        municipality = existing.get(row["code5"])
        if municipality is None:
            municipality = Municipality(code=row["code5"])
            # The pilot municipalities are switched on from the start.
            municipality.is_active = row["pilot"] == "yes"
            db.session.add(municipality)
            added += 1
        municipality.code6 = row["code6"]
        municipality.name = row["name"]
        municipality.kana = row["kana"]
        municipality.kind = row["kind"]
        municipality.region = row["region"]
        municipality.is_pilot = row["pilot"] == "yes"
    if added:
        logger.info("added %d municipalities", added)


def load_categories() -> None:
    existing = {c.code: c for c in db.session.scalars(db.select(Category))}
    for order, (code, name, name_en) in enumerate(CATEGORIES):
        category = existing.get(code)
        if category is None:
            category = Category(code=code)
            db.session.add(category)
            logger.info("added category %s", code)
        category.name = name
        category.name_en = name_en
        category.sort_order = order


def load_load_attributes() -> None:
    existing = {a.code: a for a in db.session.scalars(db.select(LoadAttribute))}
    for order, (code, name, name_en, levels) in enumerate(LOAD_ATTRIBUTES):
        attribute = existing.get(code)
        if attribute is None:
            attribute = LoadAttribute(code=code)
            db.session.add(attribute)
            logger.info("added load attribute %s", code)
        attribute.name = name
        attribute.name_en = name_en
        attribute.sort_order = order
        by_value = {level.value: level for level in attribute.levels}
        for value, (label, label_en) in enumerate(levels):
            level = by_value.get(value)
            if level is None:
                level = LoadLevel(value=value)
                attribute.levels.append(level)
            level.label = label
            level.label_en = label_en


def load_fixed_pages() -> None:
    taken = set(db.session.scalars(db.select(ContentPage.slug)))
    for order, (slug, title, body) in enumerate(FIXED_PAGES):
        if slug in taken:
            continue
        db.session.add(
            ContentPage(
                kind=ContentKind.PAGE,
                slug=slug,
                title=title,
                body=body,
                status=ContentStatus.PUBLISHED,
                sort_order=order,
            )
        )
        logger.info("added fixed page %s", slug)
