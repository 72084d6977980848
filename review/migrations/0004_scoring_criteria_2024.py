"""The three criteria of the 2024 notice's 二、征集标准, as the experts' scoring form for 2024.
Weights are data: a later campaign sets its own rows."""

from decimal import Decimal

from django.db import migrations

# (name, the notice's words, weight): 二、征集标准 1–3.
CRITERIA_2024 = [
    ("创新成果与效益",
     "长期从事科学研究、技术应用、科技推广、技术创新、产研融创、成果转化等科技事业，在重点产业领域或关键核心技术方面"
     "取得重要创新性成果，产生重大经济效益和社会效益。", Decimal("0.40")),
    ("一线创新与转型升级",
     "坚守在企业一线，创新争先，攻坚克难，积极推动企业转型升级创新发展方面表现突出。", Decimal("0.30")),
    ("服务创新驱动发展战略",
     "在实施创新驱动发展战略，加快推进企业转型升级，聚焦重点产业集群等重点领域工作中作出突出贡献。", Decimal("0.30")),
]


def load(apps, schema_editor):
    """Idempotent: tests that flush the database call it again."""
    Campaign = apps.get_model("cases", "Campaign")
    ScoringCriterion = apps.get_model("review", "ScoringCriterion")
    campaign = Campaign.objects.filter(year=2024).first()
    if campaign is None:
        return
    for position, (name, description, weight) in enumerate(CRITERIA_2024, start=1):
        ScoringCriterion.objects.get_or_create(
            campaign=campaign, position=position,
            defaults={"name": name, "description": description, "weight": weight, "max_points": 100},
        )


class Migration(migrations.Migration):
    dependencies = [("review", "0003_expert_review_vote_selection"), ("quotas", "0002_campaign_2024")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
