"""The selection rule form: fields in, a validated :class:`RuleCreate` out, and a rule's
conditions back as the form's fields and as readable sentences.

Every field is checked here with a stable problem code naming the form's own field (prices in
yuan, the good rate in percent, keywords and brands as text separated by commas or spaces);
nothing is written when any field is refused.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from decimal import Decimal
from typing import Any

from pydantic import ValidationError

from hive.catalog.selection.schemas import RuleConditions, RuleCreate
from hive.platform.money import InvalidAmount, format_money, format_yuan, parse_yuan
from hive.platform.validation import (
    InvalidInput,
    Problem,
    clean_text,
    parse_id,
    parse_int,
    parse_number,
    problems_of,
)

FIELDS = (
    "name",
    "supplier_id",
    "keywords",
    "brands",
    "category_whitelist",
    "category_blacklist",
    "min_yuan",
    "max_yuan",
    "min_margin_percent",
    "min_good_rate",
    "max_products",
)
_SEPARATORS = re.compile(r"[,，、;；\s]+")
MAX_TERMS, MAX_TERM = 20, 32


def _terms(raw: str, name: str, problems: list[Problem], limit: int = MAX_TERMS) -> list[str]:
    try:
        text = clean_text(raw, name, max_length=2000)
    except InvalidInput as refused:
        problems.extend(refused.problems)
        return []
    terms = list(dict.fromkeys(t for t in _SEPARATORS.split(text) if t))
    if len(terms) > limit:
        problems.append(Problem(name, "too_large", {"max": limit}))
    if any(len(term) > MAX_TERM for term in terms):
        problems.append(Problem(name, "too_long", {"max": MAX_TERM}))
    return terms


def _ids(values: Sequence[str], name: str, problems: list[Problem]) -> list[int]:
    ids: list[int] = []
    for value in values:
        try:
            parsed = parse_id(value, name)
        except InvalidInput as refused:
            problems.extend(refused.problems)
            continue
        if parsed is not None:
            ids.append(parsed)
    return list(dict.fromkeys(ids))


def _guard(problems: list[Problem], parse: Callable[[], Any]) -> Any:
    try:
        return parse()
    except InvalidInput as refused:
        problems.extend(refused.problems)
        return None


def _fen(raw: str, name: str, problems: list[Problem]) -> int | None:
    try:
        return parse_yuan(raw.strip()[:20]) if raw.strip() else None
    except InvalidAmount:
        problems.append(Problem(name, "invalid_amount"))
        return None


def read_rule_form(form: Mapping[str, Any], lists: Mapping[str, Sequence[str]]) -> RuleCreate:
    """The rule the form describes; :class:`InvalidInput` names each refused field."""
    problems: list[Problem] = []
    text = {k: str(form.get(k, "")) for k in FIELDS}
    name = _guard(problems, lambda: clean_text(text["name"], "name", max_length=64, required=True))
    supplier_id = _guard(problems, lambda: parse_id(text["supplier_id"], "supplier_id"))
    keywords = _terms(text["keywords"], "keywords", problems)
    brands = _terms(text["brands"], "brands", problems, limit=200)
    allowed = _ids(lists.get("category_whitelist", []), "category_whitelist", problems)
    refused = _ids(lists.get("category_blacklist", []), "category_blacklist", problems)
    min_fen = _fen(text["min_yuan"], "min_yuan", problems)
    max_fen = _fen(text["max_yuan"], "max_yuan", problems)
    margin = _guard(
        problems,
        lambda: parse_number(
            text["min_margin_percent"], "min_margin_percent", minimum=-100, maximum=100
        ),
    )
    good = _guard(
        problems,
        lambda: parse_number(text["min_good_rate"], "min_good_rate", minimum=0, maximum=100),
    )
    max_products = _guard(
        problems,
        lambda: parse_int(
            text["max_products"], "max_products", minimum=1, maximum=10_000, default=200
        ),
    )
    _cross_checks(problems, keywords, allowed, refused, min_fen, max_fen, supplier_id)
    if problems:
        raise InvalidInput(problems)
    try:
        conditions = RuleConditions(
            keywords=keywords,
            brands=brands,
            category_whitelist=allowed,
            category_blacklist=refused,
            min_price_fen=min_fen,
            max_price_fen=max_fen,
            min_margin_percent=Decimal(str(margin)) if margin is not None else None,
            min_good_rate=(Decimal(str(good)) / 100).quantize(Decimal("0.0001"))
            if good is not None
            else None,
            require_in_stock=bool(form.get("require_in_stock")),
            max_products=max_products,
        )
        return RuleCreate(
            name=name,
            supplier_id=supplier_id,
            conditions=conditions,
            scheduled=bool(form.get("scheduled")),
        )
    except ValidationError as exc:
        raise InvalidInput(problems_of(exc)) from None


def _cross_checks(
    problems: list[Problem],
    keywords: list[str],
    allowed: list[int],
    refused: list[int],
    min_fen: int | None,
    max_fen: int | None,
    supplier_id: int | None,
) -> None:
    if supplier_id is None:
        problems.append(Problem("supplier_id", "required"))
    if not keywords and not allowed:
        problems.append(Problem("keywords", "keyword_or_category"))
    if set(allowed) & set(refused):
        problems.append(Problem("category_blacklist", "not_allowed"))
    if min_fen is not None and max_fen is not None and max_fen < min_fen:
        problems.append(Problem("max_yuan", "below_minimum"))


def form_values(
    name: str, supplier_id: int, scheduled: bool, conditions: Mapping[str, Any]
) -> dict[str, Any]:
    """A saved rule as the form's fields (to edit it)."""
    c = RuleConditions.model_validate(conditions)
    return {
        "name": name,
        "supplier_id": str(supplier_id),
        "keywords": " ".join(c.keywords),
        "brands": " ".join(c.brands),
        "category_whitelist": [str(i) for i in c.category_whitelist],
        "category_blacklist": [str(i) for i in c.category_blacklist],
        "min_yuan": format_yuan(c.min_price_fen) if c.min_price_fen is not None else "",
        "max_yuan": format_yuan(c.max_price_fen) if c.max_price_fen is not None else "",
        "min_margin_percent": _plain(c.min_margin_percent),
        "min_good_rate": _plain(c.min_good_rate * 100 if c.min_good_rate is not None else None),
        "max_products": str(c.max_products),
        "require_in_stock": c.require_in_stock,
        "scheduled": scheduled,
    }


def _plain(value: Decimal | None) -> str:
    return "" if value is None else format(value.normalize(), "f")


def describe(
    conditions: Mapping[str, Any], category_names: Mapping[int, str], t: Callable[[str], str]
) -> list[str]:
    """A rule's conditions as short sentences in the user's language."""
    c = RuleConditions.model_validate(conditions)

    def names(ids: Sequence[int]) -> str:
        return "、".join(category_names.get(i, str(i)) for i in ids)

    parts: list[tuple[object, Callable[[], str]]] = [
        (c.keywords, lambda: t("rule.says.keywords").format(v="、".join(c.keywords))),
        (
            c.category_whitelist,
            lambda: t("rule.says.categories").format(v=names(c.category_whitelist)),
        ),
        (
            c.category_blacklist,
            lambda: t("rule.says.not_categories").format(v=names(c.category_blacklist)),
        ),
        (c.brands, lambda: t("rule.says.brands").format(v="、".join(c.brands))),
        (
            c.min_margin_percent is not None,
            lambda: t("rule.says.margin").format(v=_plain(c.min_margin_percent)),
        ),
        (
            c.min_good_rate is not None,
            lambda: t("rule.says.good_rate").format(
                v=_plain((c.min_good_rate or Decimal(0)) * 100)
            ),
        ),
        (
            c.min_price_fen is not None,
            lambda: t("rule.says.min_price").format(v=format_money(c.min_price_fen or 0)),
        ),
        (
            c.max_price_fen is not None,
            lambda: t("rule.says.max_price").format(v=format_money(c.max_price_fen or 0)),
        ),
        (c.require_in_stock, lambda: t("rule.says.in_stock")),
        (True, lambda: t("rule.says.max_products").format(v=c.max_products)),
    ]
    return [say() for present, say in parts if present]
