"""Natural keys of reference data, read once per import: districts, zones, industries, stages.

A ledger names a district as 310104, 徐汇区, 徐汇 or 徐匯; an industry as ic or 集成电路; a
stage as signed, 签约 or 已签约. Each table is loaded once into dictionaries keyed by the
folded spelling, so resolving a cell never queries the database.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache
from typing import Any

from django.db import models
from django.utils import translation
from django.utils.translation import gettext as _

from accounts.policy import relation_targets
from core.text import fold as _fold_uncached
from geo.models import District, Zone
from partners.models import Partner
from projects.choices import LeadSource, Origin, Priority
from projects.models import Stage
from taxonomy.models import BusinessActivity, Industry, ProjectType

# A ledger repeats the same few hundred spellings; fold each once.
fold = lru_cache(maxsize=65536)(_fold_uncached)

# Everyday words for stages, used only where the stage code exists.
STAGE_WORDS = {
    "意向": "lead",
    "线索": "lead",
    "初步接触": "contacted",
    "接触": "contacted",
    "洽谈": "negotiating",
    "洽谈中": "negotiating",
    "在谈": "negotiating",
    "已签约": "signed",
    "签约": "signed",
    "已注册": "registered",
    "注册": "registered",
    "落地": "registered",
    "已落地": "registered",
    "已开工": "construction",
    "在建": "construction",
    "开工建设": "construction",
    "投产": "operating",
    "已投产": "operating",
    "运营": "operating",
    "流失": "lost",
    "终止": "lost",
}
PRIORITY_WORDS = {"高": "A", "重点": "A", "重大": "A", "中": "B", "一般": "B", "低": "C"}
ORIGIN_WORDS = {
    "外资": "foreign",
    "境外": "foreign",
    "国外": "foreign",
    "外商投资": "foreign",
    "省外": "out_of_province",
    "外省": "out_of_province",
    "市外": "out_of_province",
    "内资省外": "out_of_province",
    "省内": "in_province",
    "本市": "in_city",
    "市内": "in_city",
}
LEAD_SOURCE_WORDS = {
    "新闻": "news",
    "媒体": "news",
    "中介": "partner",
    "合作伙伴": "partner",
    "引荐": "partner",
    "活动": "event",
    "推介会": "event",
    "拜访": "visit",
    "走访": "visit",
    "来访": "enquiry",
    "咨询": "enquiry",
    "存量企业": "existing",
    "存量": "existing",
    "政府": "government",
    "其他": "other",
}


class KeyTable:
    """Folded spellings → object for one reference table.

    Codes (ic.design, 310104, lingang) win over names; a name shared by two objects (two
    sub-tracks called 扩展现实) is ambiguous and resolving it names the codes to use.
    """

    def __init__(self, label: str) -> None:
        self.label = label
        self.by_code: dict[str, Any] = {}
        self.by_key: dict[str, Any] = {}
        self.ambiguous: dict[str, list[Any]] = {}
        self.by_pk: dict[Any, Any] = {}

    def add(self, obj: Any, names: Iterable[Any], codes: Iterable[Any] = ()) -> None:
        self.by_pk[obj.pk] = obj
        for code in codes:
            if code:
                self.by_code[str(code)] = obj
                self.by_code.setdefault(fold(str(code)), obj)
        for name in names:
            if not name:
                continue
            text = str(name)
            keys = {fold(text)}
            for part in text.replace("／", "/").split("/"):
                if part.strip() and part != text:
                    keys.add(fold(part))
            for key in keys:
                other = self.by_key.get(key)
                if other is None:
                    self.by_key[key] = obj
                elif other.pk != obj.pk:
                    self.ambiguous.setdefault(key, [other]).append(obj)

    def get(self, text: str) -> Any:
        hit = self.by_code.get(text) or self.by_code.get(fold(text))
        if hit is not None:
            return hit
        key = fold(text)
        if key in self.ambiguous:
            from ingest.spreadsheet.cells import CellError

            codes = ", ".join(str(getattr(o, "code", o.pk)) for o in self.ambiguous[key])
            raise CellError(
                _("“{text}” names several {what}; use a code: {codes}.").format(
                    text=text, what=self.label, codes=codes
                )
            )
        return self.by_key.get(key)

    def is_ambiguous(self, name: str) -> bool:
        return fold(name) in self.ambiguous


def _names(obj: Any, *extra: str) -> list[Any]:
    names: list[Any] = [obj.name_zh_hans, obj.name_zh_hant, obj.name_en]
    for attr in extra:
        value = getattr(obj, attr, None)
        if isinstance(value, list):
            names.extend(value)
        elif value:
            names.append(value)
    return names


def _codes(obj: Any) -> list[Any]:
    return [getattr(obj, "code", None), getattr(obj, "slug", None)]


def _choice_table(choices: type[models.TextChoices], words: dict[str, str]) -> dict[str, str]:
    table: dict[str, str] = {}
    for value, label in choices.choices:
        table[fold(str(value))] = str(value)
        for lang in ("en", "zh-hans", "zh-hant"):
            with translation.override(lang):
                table.setdefault(fold(str(label)), str(value))
    for word, value in words.items():
        table.setdefault(fold(word), value)
    return table


class Lookups:
    """Every reference table a project row can name, loaded once.

    With a `user` (an import), only the records that user may point a project at are
    loaded (accounts.policy.relation_targets), so a cell naming any other one is an unknown
    value, as if it did not exist; without one (reports, the command line), all of them.
    """

    def __init__(self, user: Any = None) -> None:
        def rows(qs: models.QuerySet[Any]) -> models.QuerySet[Any]:
            return qs if user is None else relation_targets(user, qs)

        self.district = KeyTable(str(_("district")))
        for d in rows(District.objects.select_related("successor")):
            self.district.add(d, _names(d, "short_forms", "short_forms_hant"), _codes(d))
        self.zone = KeyTable(str(_("zone")))
        for z in rows(Zone.objects.prefetch_related("districts")):
            self.zone.add(z, _names(z, "short_forms", "short_forms_hant"), _codes(z))
        self.industry = KeyTable(str(_("industry")))
        for i in rows(Industry.objects.all()):
            self.industry.add(i, _names(i, "aliases"), _codes(i))
        self.business_activity = KeyTable(str(_("business activity")))
        for b in rows(BusinessActivity.objects.all()):
            self.business_activity.add(b, _names(b), _codes(b))
        self.project_type = KeyTable(str(_("project type")))
        for p in rows(ProjectType.objects.all()):
            self.project_type.add(p, _names(p), _codes(p))
        self.stage = KeyTable(str(_("stage")))
        stages = list(rows(Stage.objects.all()))
        for s in stages:
            self.stage.add(s, _names(s), _codes(s))
        by_code = {s.code: s for s in stages}
        for word, code in STAGE_WORDS.items():
            if code in by_code:
                self.stage.by_key.setdefault(fold(word), by_code[code])
        # Stage codes double as English words (signed); names win over the everyday words.
        self.referring_partner = KeyTable(str(_("partner")))
        for partner in rows(Partner.objects.all()):
            self.referring_partner.add(partner, _names(partner), _codes(partner))
        self.priority = _choice_table(Priority, PRIORITY_WORDS)
        self.origin = _choice_table(Origin, ORIGIN_WORDS)
        self.lead_source = _choice_table(LeadSource, LEAD_SOURCE_WORDS)

    def table(self, key: str) -> KeyTable:
        return getattr(self, key)
