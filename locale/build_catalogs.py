"""Fill the zh_Hans, zh_Hant and en catalogues from the glossaries and compile them.

Run after `zhaoshang makemessages -l zh_Hans -l zh_Hant -l en ...` (see docs/ui.md):

    .venv/bin/python locale/build_catalogs.py

zh-Hans comes from glossary_zh_hans.tsv, zh-Hant is derived from it with OpenCC (s2t) so
the two scripts never drift apart, and English only needs the msgids written in Chinese.
The .mo files are written with polib, so no gettext tools are needed.
"""

from __future__ import annotations

import sys
from pathlib import Path

import polib

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from core.text import to_traditional  # noqa: E402

PLURALS_ZH_HANS = {
    "<strong>%(n)s</strong> project": "<strong>%(n)s</strong> 个项目",
    "%(n)s confidential project not shown": "%(n)s 个保密项目未显示",
    "%(days)s day ago": "%(days)s 天前",
    "%(days)s day": "%(days)s 天",
    "%(n)s linked project is excluded from statistics.": "%(n)s 个关联项目不予认定。",
    "%(n)s counted project has no amount yet.": "%(n)s 个计入统计的项目尚无金额。",
    "%(n)s open candidate": "%(n)s 条待审候选",
    "{n} record you may not see": "{n} 条您无权查看的记录",
    "%(n)s further project outside what you may see explains the rest (%(face)s → "
    "%(counted)s).": "另有 %(n)s 个您无权查看的项目解释其余差额（%(face)s → %(counted)s）。",
    "This account is locked for logins from your address for %(minutes)s minute after "
    "repeated wrong passwords. Try again later, or ask an administrator to unlock it.": (
        "由于多次输入错误密码，该账号已在您当前的地址上被锁定 %(minutes)s 分钟。"
        "请稍后再试，或请管理员解锁。"
    ),
}
PLURAL_FORMS = {
    "zh_Hans": "nplurals=1; plural=0;",
    "zh_Hant": "nplurals=1; plural=0;",
}


def _glossary(name: str) -> dict[str, str]:
    table: dict[str, str] = {}
    for line in (HERE / name).read_text(encoding="utf-8").splitlines():
        # A comment is "# ..." (or a bare "#"); msgids such as "#{id} ..." start with "#" too.
        if not line.strip() or line.startswith("# ") or line.strip() == "#":
            continue
        source, _tab, target = line.partition("\t")
        if target:
            table[source] = target
    return table


def _has_cjk(text: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in text)


def build() -> None:
    zh = _glossary("glossary_zh_hans.tsv")
    en = _glossary("glossary_en.tsv")
    for lang in ("zh_Hans", "zh_Hant", "en"):
        po_path = HERE / lang / "LC_MESSAGES" / "django.po"
        catalogue = polib.pofile(str(po_path))
        catalogue.metadata["Plural-Forms"] = PLURAL_FORMS.get(lang, "nplurals=2; plural=(n != 1);")
        # makemessages marks a new header fuzzy; msgfmt would then drop its Plural-Forms.
        catalogue.metadata_is_fuzzy = False
        filled = 0
        for entry in catalogue:
            entry.flags = [f for f in entry.flags if f != "fuzzy"]
            entry.previous_msgid = None  # the "#|" note makemessages leaves on a fuzzy match
            if entry.msgid_plural:
                if lang == "en":
                    continue
                simplified = PLURALS_ZH_HANS.get(entry.msgid, "")
                text = to_traditional(simplified) if lang == "zh_Hant" else simplified
                entry.msgstr_plural = {0: text}
                filled += bool(text)
                continue
            if lang == "en":
                entry.msgstr = en.get(entry.msgid, "")
            else:
                simplified = zh.get(entry.msgid, "")
                if not simplified and _has_cjk(entry.msgid):
                    simplified = entry.msgid
                entry.msgstr = to_traditional(simplified) if lang == "zh_Hant" else simplified
            filled += bool(entry.msgstr)
        catalogue.save(str(po_path))
        catalogue.save_as_mofile(str(po_path.with_suffix(".mo")))
        print(f"{lang}: {filled} of {len(catalogue)} messages translated")


if __name__ == "__main__":
    build()
