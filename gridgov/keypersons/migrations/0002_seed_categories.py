"""Seed the 13 key-person categories of comprehensive-governance work (administrators edit them afterwards).

No national standard sets follow-up frequencies; places set their own. The defaults read the
three colors (红黄蓝三色风险评估) as: red = weekly, yellow = fortnightly, blue = monthly, made
tighter where a lapse endangers others at once (people prone to causing incidents, people at
risk of extreme violence, disputes liable to escalate: every 3 / 7 / 15 days) and looser where
the risk is chronic and health services see the person anyway (AIDS high-risk: 15 / 30 / 60).

    code                      name                       red  yellow  blue
    released_prisoner         刑满释放人员                  7     15     30
    community_correction      社区矫正对象                  7     15     30
    drug_user                 吸毒人员                      7     15     30
    severe_mental_disorder    严重精神障碍患者              7     15     30
    aids_high_risk            艾滋病危险人员               15     30     60
    key_youth                 重点青少年                    7     15     30
    key_petitioner            重点信访人员                  7     15     30
    cult_involved             涉邪教人员                    7     15     30
    incident_prone            易肇事肇祸人员                3      7     15
    extreme_violence_risk     个人极端暴力风险人员          3      7     15
    escalating_dispute        矛盾纠纷易激化当事人          3      7     15
    gang_involved             涉黑涉恶人员                  7     15     30
    fraud_involved            涉电信网络诈骗重点人员        7     15     30
"""

from django.db import migrations

CATEGORIES = [
    ("released_prisoner", "刑满释放人员", "刑满释放后五年内的人员（安置帮教对象）", 7, 15, 30),
    ("community_correction", "社区矫正对象", "管制、缓刑、假释、暂予监外执行人员，由司法所执行矫正", 7, 15, 30),
    ("drug_user", "吸毒人员", "社区戒毒、社区康复及其他吸毒人员", 7, 15, 30),
    ("severe_mental_disorder", "严重精神障碍患者", "在册严重精神障碍患者，随访与监护落实情况", 7, 15, 30),
    ("aids_high_risk", "艾滋病危险人员", "有艾滋病传播危险的人员", 15, 30, 60),
    ("key_youth", "重点青少年", "闲散、流浪、服刑人员未成年子女等需关爱帮扶的青少年", 7, 15, 30),
    ("key_petitioner", "重点信访人员", "多次、越级或集体信访的人员", 7, 15, 30),
    ("cult_involved", "涉邪教人员", "参与或受邪教影响、正在教育转化的人员", 7, 15, 30),
    ("incident_prone", "易肇事肇祸人员", "有肇事肇祸倾向、可能危害他人安全的人员", 3, 7, 15),
    ("extreme_violence_risk", "个人极端暴力风险人员", "有报复社会、极端言行等风险的人员", 3, 7, 15),
    ("escalating_dispute", "矛盾纠纷易激化当事人", "矛盾纠纷可能激化为刑事、治安案件的当事人", 3, 7, 15),
    ("gang_involved", "涉黑涉恶人员", "涉黑涉恶案件刑满释放或在查相关人员", 7, 15, 30),
    ("fraud_involved", "涉电信网络诈骗重点人员", "涉诈前科、出境高危及“两卡”违法人员", 7, 15, 30),
]


def seed(apps, schema_editor):
    Category = apps.get_model("keypersons", "KeyPersonCategory")
    for order, (code, name, description, red, yellow, blue) in enumerate(CATEGORIES, 1):
        Category.objects.get_or_create(
            code=code,
            defaults={
                "name": name,
                "description": description,
                "red_days": red,
                "yellow_days": yellow,
                "blue_days": blue,
                "sort_order": order * 10,
            },
        )


def unseed(apps, schema_editor):
    apps.get_model("keypersons", "KeyPersonCategory").objects.filter(code__in=[c[0] for c in CATEGORIES]).delete()


class Migration(migrations.Migration):
    dependencies = [("keypersons", "0001_key_populations")]

    operations = [migrations.RunPython(seed, unseed)]
