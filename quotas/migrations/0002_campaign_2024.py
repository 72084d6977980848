"""Loads the 2024 campaign exactly as 晋科协发〔2024〕22号 gives it: the province, its 11 cities,
the four deadlines of 附件1 and the quota table of 附件2 (120 cases / 14 presenter candidates)."""

import datetime

from django.db import migrations

PROVINCE = ("山西省科学技术协会", "山西", "山西省")

# 附件2, in the notice's order: (city, short name, cases, presenter candidates).
QUOTAS_2024 = [
    ("太原市", "太原", 20, 2),
    ("大同市", "大同", 15, 2),
    ("朔州市", "朔州", 6, 1),
    ("忻州市", "忻州", 8, 1),
    ("吕梁市", "吕梁", 12, 1),
    ("晋中市", "晋中", 12, 1),
    ("阳泉市", "阳泉", 6, 1),
    ("长治市", "长治", 15, 2),
    ("晋城市", "晋城", 9, 1),
    ("临汾市", "临汾", 9, 1),
    ("运城市", "运城", 8, 1),
]


def load(apps, schema_editor):
    Organisation = apps.get_model("cases", "Organisation")
    Campaign = apps.get_model("cases", "Campaign")
    CityQuota = apps.get_model("quotas", "CityQuota")

    name, short, region = PROVINCE
    province, _ = Organisation.objects.get_or_create(
        kind="province", defaults={"name": name, "short_name": short, "region": region}
    )
    if not province.path:
        province.path = f"/{province.pk}/"
        province.save(update_fields=["path"])

    campaign, _ = Campaign.objects.get_or_create(
        year=2024,
        defaults={
            "title": "2024年山西省企业典型创新案例征集及宣讲活动",
            "document_number": "晋科协发〔2024〕22号",
            "is_current": not Campaign.objects.filter(is_current=True).exists(),
            "enterprise_deadline": datetime.date(2024, 9, 2),
            "association_deadline": datetime.date(2024, 9, 6),
            "county_deadline": datetime.date(2024, 9, 11),
            "city_deadline": datetime.date(2024, 9, 14),
        },
    )
    for position, (region, short_name, cases, presenters) in enumerate(QUOTAS_2024, start=1):
        city, _ = Organisation.objects.get_or_create(
            kind="city", parent=province, name=f"{region}科学技术协会",
            defaults={"short_name": short_name, "region": region},
        )
        if not city.path:
            city.path = f"{province.path}{city.pk}/"
            city.save(update_fields=["path"])
        CityQuota.objects.get_or_create(
            campaign=campaign, city=city,
            defaults={"position": position, "cases": cases, "presenters": presenters},
        )


class Migration(migrations.Migration):
    dependencies = [("quotas", "0001_initial"), ("cases", "0001_initial")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
