"""Seed the pipeline stages of domain.md (rows, editable later) plus the off-path "lost"."""

from django.db import migrations

STAGES = [
    # code, sequence, zh-Hans, zh-Hant, en, is_won, is_lost, fold, date_field, requires_date
    ("lead", 10, "线索", "線索", "Lead", False, False, False, "", False),
    ("contacted", 20, "接洽", "接洽", "Contacted", False, False, False, "", False),
    ("negotiating", 30, "在谈", "在談", "Negotiating", False, False, False, "", False),
    ("signed", 40, "签约", "簽約", "Signed", True, False, False, "signed_on", True),
    (
        "registered",
        50,
        "注册落地",
        "註冊落地",
        "Registered",
        True,
        False,
        False,
        "registered_on",
        True,
    ),
    (
        "construction",
        60,
        "开工",
        "開工",
        "Construction started",
        True,
        False,
        False,
        "construction_on",
        True,
    ),
    (
        "operating",
        70,
        "投产运营",
        "投產運營",
        "Operating",
        True,
        False,
        False,
        "operating_on",
        True,
    ),
    ("lost", 90, "已流失", "已流失", "Lost", False, True, True, "", False),
]


def seed(apps, schema_editor):
    Stage = apps.get_model("projects", "Stage")
    for code, seq, hans, hant, en, won, lost, fold, date_field, requires in STAGES:
        Stage.objects.update_or_create(
            code=code,
            defaults={
                "sequence": seq,
                "name_zh_hans": hans,
                "name_zh_hant": hant,
                "name_en": en,
                "is_won": won,
                "is_lost": lost,
                "fold": fold,
                "date_field": date_field,
                "requires_date": requires,
            },
        )


def unseed(apps, schema_editor):
    apps.get_model("projects", "Stage").objects.filter(code__in=[s[0] for s in STAGES]).delete()


class Migration(migrations.Migration):
    dependencies = [("projects", "0001_initial")]
    operations = [migrations.RunPython(seed, unseed)]
