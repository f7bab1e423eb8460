"""Seed the category taxonomy and the time-limit table (administrators edit both afterwards).

Categories follow domain.md and the two articles in shared/seeds:
- disputes as people's-mediation statistics count them (婚姻家庭, 邻里, 房屋宅基地, 合同, 山林土地,
  损害赔偿, 劳动争议, 道路交通, 征地拆迁, 其他), each with the sub-types the articles mention
  (land boundaries, homestead, land-lease contracts, debts, wages ...);
- appeal topics from "处理小诉求" (小麦打药 -> agricultural production, 查询补贴 -> subsidies ...);
- environment problems from "整治小环境" (五清一改: rubbish, exposed roadside rubbish, sewage,
  ponds and ditches, livestock manure, farm waste, ruins; 四净两规范: household hygiene);
- hardship types from "解决小困难" (medical care, education, housing, 低保, visits ...), each
  asking which group it concerns (困难党员, "一老", "一小", 流浪乞讨人员);
- hazards split into 安全隐患 (自建房, 用电用气, 道路交通, 防溺水, 多合一场所, 企业安全生产) and
  治安隐患 (非法宗教, 邪教, 非法集资, 电信诈骗, 赌博), as group nodes with selectable children.

Time limits (hours a matter may stay at one level before it is overdue; a red card follows at
twice the limit). The defaults read the "three colors" as urgency:
              grid  village  town  county  department
    red        24      48     72    120      120     (hazards: 12 / 24 / 48 / 72 / 72 - life safety)
    yellow     72     120    168    240      240
    blue      168     240    360    480      360
Auto-escalation on breach: red at grid, village and town; yellow at grid only (a grid that cannot
act in three days hands the matter to the village); blue never; county and departments never
(there is no level above the county, and a department's lateness is for supervision, not rerouting).
"""

from django.db import migrations

CHOICE = "single"


def f(name, label, type_, required=False, options=None):
    spec = {"name": name, "label": label, "type": type_, "required": required}
    if options:
        spec["options"] = options
    return spec


PARTIES = f("parties_count", "涉及人数", "number")
AMOUNT = f("amount", "涉及金额（元）", "number")
SITE = f(
    "site_type", "排查场所", CHOICE, options=["居民户", "企业", "学校", "商超", "饭馆", "其他场所"]
)
HARDSHIP_GROUP = f(
    "group",
    "涉及群体",
    CHOICE,
    required=True,
    options=[
        "困难党员",
        "独居老人",
        "空巢老人",
        "留守老人",
        "失能老人",
        "重残老人",
        "计划生育特殊家庭老人",
        "困境儿童",
        "流浪乞讨人员",
        "其他困难群众",
    ],
)

# (code, name, department_kind, extra_fields)
DISPUTES = [
    ("marriage_family", "婚姻家庭纠纷", "judicial", [f("subtype", "纠纷类型", CHOICE, options=["婚姻", "赡养", "抚养", "继承", "家庭暴力", "其他"]), PARTIES]),
    ("neighbour", "邻里纠纷", "judicial", [f("subtype", "纠纷类型", CHOICE, options=["口角", "相邻通行", "排水", "噪音", "其他"]), PARTIES]),
    ("housing_homestead", "房屋宅基地纠纷", "natural_resources", [f("subtype", "纠纷类型", CHOICE, options=["宅基地界址", "建房", "房屋买卖", "房屋租赁", "其他"]), PARTIES]),
    ("contract", "合同纠纷", "judicial", [f("subtype", "合同类型", CHOICE, options=["土地租赁（流转）合同", "借款（债务）", "买卖合同", "承揽（建设工程）", "其他"]), AMOUNT, PARTIES]),
    ("land_forest", "山林土地纠纷", "natural_resources", [f("subtype", "纠纷类型", CHOICE, options=["地界", "土地承包经营", "土地流转", "林权", "其他"]), f("area_mu", "争议面积（亩）", "number"), PARTIES]),
    ("compensation", "损害赔偿纠纷", "judicial", [f("subtype", "损害类型", CHOICE, options=["人身损害", "财产损害", "医疗损害", "其他"]), AMOUNT, PARTIES]),
    ("labour", "劳动争议纠纷", "labour", [f("subtype", "争议类型", CHOICE, options=["拖欠工资", "工伤", "劳动合同", "其他"]), AMOUNT, PARTIES]),
    ("traffic", "道路交通事故纠纷", "traffic", [AMOUNT, PARTIES]),
    ("land_acquisition", "征地拆迁纠纷", "natural_resources", [f("subtype", "纠纷类型", CHOICE, options=["征地补偿", "房屋拆迁", "安置", "其他"]), PARTIES]),
    ("other", "其他纠纷", "judicial", [PARTIES]),
]

APPEALS = [
    ("agriculture", "农业生产", "agriculture", [f("crop", "作物/品种", "text")]),
    ("subsidy", "补贴查询", "civil_affairs", [f("subsidy", "补贴项目", CHOICE, options=["耕地地力保护补贴", "低保", "特困供养", "养老保险", "医疗救助", "残疾人补贴", "其他"])]),
    ("social_insurance", "社保医保", "labour", []),
    ("household_registration", "户籍证照", "police", []),
    ("infrastructure", "水电路讯", "housing", [f("facility", "设施", CHOICE, options=["饮水", "用电", "道路", "通讯", "其他"])]),
    ("employment", "就业创业", "labour", []),
    ("education", "教育就学", "other", []),
    ("health", "医疗卫生", "health", []),
    ("policy", "政策咨询", "other", []),
    ("other", "其他诉求", "other", []),
]

ENVIRONMENT = [
    ("rubbish", "积存垃圾", "ecology", [f("scale", "范围", CHOICE, options=["一处", "多处", "成片"])]),
    ("roadside_rubbish", "道路暴露性垃圾", "ecology", [f("scale", "范围", CHOICE, options=["一处", "多处", "成片"])]),
    ("sewage", "生活污水", "ecology", []),
    ("ponds_ditches", "塘沟淤积", "ecology", []),
    ("manure", "畜禽粪污", "agriculture", []),
    ("farm_waste", "农业生产废弃物", "agriculture", []),
    ("ruins", "残垣断壁", "housing", []),
    ("household_hygiene", "户内卫生", "other", [f("items", "问题", "multi", options=["院落不净", "室内不净", "厨房不净", "厕所不净", "物品摆放不规范", "农具堆放不规范"])]),
    ("other", "其他环境问题", "ecology", []),
]

HARDSHIPS = [
    ("medical", "看病就医", "health", [HARDSHIP_GROUP]),
    ("education", "子女教育", "other", [HARDSHIP_GROUP]),
    ("housing", "住房安全", "housing", [HARDSHIP_GROUP]),
    ("minimum_living", "申请低保救助", "civil_affairs", [HARDSHIP_GROUP]),
    ("daily_care", "生活照料", "civil_affairs", [HARDSHIP_GROUP]),
    ("visit_relief", "走访慰问", "civil_affairs", [HARDSHIP_GROUP]),
    ("paperwork", "证照代办", "other", [HARDSHIP_GROUP, f("item", "代办事项", "text", required=True)]),
    ("other", "其他困难", "civil_affairs", [HARDSHIP_GROUP]),
]

SAFETY = [
    ("self_built_house", "自建房安全", "housing", [f("floors", "层数", "number"), f("use", "用途", CHOICE, options=["自住", "出租", "经营", "混合"]), SITE]),
    ("electricity_gas", "用电用气安全", "emergency", [SITE]),
    ("road_traffic", "道路交通安全", "traffic", []),
    ("drowning", "防溺水", "emergency", [f("water", "水域", "text")]),
    ("multi_purpose", "多合一场所", "emergency", [f("premises", "场所名称", "text", required=True)]),
    ("enterprise", "企业安全生产", "emergency", [f("enterprise", "企业名称", "text", required=True), SITE]),
]

PUBLIC_SECURITY = [
    ("illegal_religion", "非法宗教活动", "police", []),
    ("cult", "邪教", "police", []),
    ("illegal_fundraising", "非法集资", "police", [AMOUNT]),
    ("telecom_fraud", "电信网络诈骗", "police", [AMOUNT]),
    ("gambling", "赌博", "police", []),
]

HOURS = {
    "red": {"grid": 24, "village": 48, "town": 72, "county": 120, "department": 120},
    "yellow": {"grid": 72, "village": 120, "town": 168, "county": 240, "department": 240},
    "blue": {"grid": 168, "village": 240, "town": 360, "county": 480, "department": 360},
}
HAZARD_RED = {"grid": 12, "village": 24, "town": 48, "county": 72, "department": 72}
AUTO_ESCALATE = {("red", "grid"), ("red", "village"), ("red", "town"), ("yellow", "grid")}
KINDS = ["dispute", "appeal", "environment", "hardship", "hazard"]


def seed(apps, schema_editor):
    Category = apps.get_model("matters", "Category")
    DeadlineRule = apps.get_model("matters", "DeadlineRule")

    def add(kind, rows, prefix, parent=None, start=0):
        for i, (code, name, department, fields) in enumerate(rows, start + 1):
            Category.objects.create(
                kind=kind,
                code=f"{prefix}.{code}",
                name=name,
                parent=parent,
                department_kind=department,
                extra_fields=fields,
                sort_order=i * 10,
            )

    add("dispute", DISPUTES, "dispute")
    add("appeal", APPEALS, "appeal")
    add("environment", ENVIRONMENT, "environment")
    add("hardship", HARDSHIPS, "hardship")
    safety = Category.objects.create(
        kind="hazard", code="hazard.safety", name="安全隐患", selectable=False, department_kind="emergency", sort_order=10
    )
    security = Category.objects.create(
        kind="hazard", code="hazard.public_security", name="治安隐患", selectable=False, department_kind="police", sort_order=20
    )
    add("hazard", SAFETY, "hazard.safety", safety, start=10)
    add("hazard", PUBLIC_SECURITY, "hazard.public_security", security, start=20)

    for kind in KINDS:
        for color, levels in HOURS.items():
            for level, hours in levels.items():
                if kind == "hazard" and color == "red":
                    hours = HAZARD_RED[level]
                DeadlineRule.objects.create(
                    kind=kind, color=color, level=level, hours=hours, auto_escalate=(color, level) in AUTO_ESCALATE
                )


def unseed(apps, schema_editor):
    apps.get_model("matters", "DeadlineRule").objects.all().delete()
    Category = apps.get_model("matters", "Category")
    Category.objects.filter(parent__isnull=False).delete()
    Category.objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("matters", "0001_matter_engine")]

    operations = [migrations.RunPython(seed, unseed)]
