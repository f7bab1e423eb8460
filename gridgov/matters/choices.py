from django.db import models

from gridgov.places.choices import CODE_LENGTH, PlaceKind


class MatterKind(models.TextChoices):
    """六小行动 minus publicity (宣讲 is an event, not a matter)."""

    DISPUTE = "dispute", "矛盾纠纷"
    APPEAL = "appeal", "群众诉求"
    ENVIRONMENT = "environment", "环境问题"
    HARDSHIP = "hardship", "群众困难"
    HAZARD = "hazard", "安全隐患"


class RiskColor(models.TextChoices):
    """三色风险评估."""

    RED = "red", "红色"
    YELLOW = "yellow", "黄色"
    BLUE = "blue", "蓝色"


class SourceChannel(models.TextChoices):
    VISIT = "visit", "入户走访"
    WALK_IN = "walk_in", "群众来访"
    PHONE = "phone", "电话反映"
    WECHAT = "wechat", "微信收集"
    POLICE_ALERT = "police_alert", "警情推送"
    PATROL = "patrol", "巡逻发现"
    INSPECTION = "inspection", "排查发现"
    HOTLINE = "hotline", "热线转办"
    ONLINE = "online", "网上反映"


class ReporterType(models.TextChoices):
    RESIDENT = "resident", "本地居民"
    OUTSIDER = "outsider", "其他人员"
    ANONYMOUS = "anonymous", "匿名"


class Level(models.TextChoices):
    """The level holding a matter (三级联动处置, with the grid below the village)."""

    GRID = "grid", "网格"
    VILLAGE = "village", "村（居）"
    TOWN = "town", "乡镇（街道）"
    COUNTY = "county", "县（区）"


# Bottom to top; "up one level" is the next entry.
LEVEL_ORDER = [Level.GRID, Level.VILLAGE, Level.TOWN, Level.COUNTY]
LEVEL_CODE_LENGTH = {level: CODE_LENGTH[PlaceKind(level.value)] for level in LEVEL_ORDER}
LEVEL_BY_CODE_LENGTH = {length: level for level, length in LEVEL_CODE_LENGTH.items()}


class DeadlineLevel(models.TextChoices):
    """Where a time limit applies: a level, or a department a matter was routed to."""

    GRID = "grid", "网格"
    VILLAGE = "village", "村（居）"
    TOWN = "town", "乡镇（街道）"
    COUNTY = "county", "县（区）"
    DEPARTMENT = "department", "职能部门"


class MatterState(models.TextChoices):
    PENDING = "pending", "待受理"
    IN_PROGRESS = "in_progress", "办理中"
    AT_DEPARTMENT = "at_department", "部门办理中"
    REINSPECTION = "reinspection", "待复查"
    RESOLVED = "resolved", "已办结待回访"
    CLOSED = "closed", "已结案"
    MERGED = "merged", "已合并"


OPEN_STATES = frozenset(
    {
        MatterState.PENDING,
        MatterState.IN_PROGRESS,
        MatterState.AT_DEPARTMENT,
        MatterState.REINSPECTION,
        MatterState.RESOLVED,
    }
)


class MatterAction(models.TextChoices):
    """One timeline row per action (and per automatic step of the deadline job)."""

    RECORD = "record", "登记"
    ACCEPT = "accept", "受理"
    RESOLVE_ON_SPOT = "resolve_on_spot", "现场处置"
    REPORT_UP = "report_up", "上报"
    ROUTE_TO_DEPARTMENT = "route_to_department", "交办部门"
    DEPARTMENT_REPLY = "department_reply", "部门反馈"
    SEND_BACK = "send_back", "结果下发"
    RETURN_WITH_REASON = "return_with_reason", "回退"
    MERGE_AS_DUPLICATE = "merge_as_duplicate", "合并重复"
    REOPEN = "reopen", "重新办理"
    SCHEDULE_MEDIATION = "schedule_mediation", "安排调解"
    RECORD_MEDIATION = "record_mediation", "记录调解"
    RECORD_AGREEMENT = "record_agreement", "登记调解协议"
    ANSWER = "answer", "诉求答复"
    RECTIFY = "rectify", "隐患整改"
    REINSPECT = "reinspect", "整改复查"
    PROXY_HANDLE = "proxy_handle", "代办"
    RECORD_FEEDBACK = "record_feedback", "回访"
    CLOSE = "close", "结案"
    SUPERVISE = "supervise", "督办"
    ADD_ATTACHMENT = "add_attachment", "添加附件"
    EDIT_MATTER = "edit_matter", "修改事项"


class AnswerType(models.TextChoices):
    ANSWER = "answer", "解答类"
    HANDLING = "handling", "办理类"


class Recurrence(models.TextChoices):
    ONE_OFF = "one_off", "一次性解决"
    RECURRING = "recurring", "易反弹，常态化整治"
    NEEDS_HELP = "needs_help", "需上级帮助解决"


class MediationOutcome(models.TextChoices):
    SUCCESS = "success", "调解成功"
    FAILURE = "failure", "调解不成"


class FeedbackMethod(models.TextChoices):
    PHONE = "phone", "电话回访"
    VISIT = "visit", "上门回访"
    WECHAT = "wechat", "微信回访"
    SMS = "sms", "短信回访"
    IN_PERSON = "in_person", "当面告知"


class FeedbackVerdict(models.TextChoices):
    ACCEPTED = "accepted", "认可"
    REJECTED = "rejected", "不认可"


class AttachmentKind(models.TextChoices):
    """What an attachment is, decided from its content (never from its name)."""

    PHOTO = "photo", "照片"
    DOCUMENT = "document", "文件"


class CardColor(models.TextChoices):
    YELLOW = "yellow", "黄牌督办"
    RED = "red", "红牌督办"


class DepartmentKind(models.TextChoices):
    JUDICIAL = "judicial", "司法所"
    POLICE = "police", "派出所"
    NATURAL_RESOURCES = "natural_resources", "自然资源所"
    CIVIL_AFFAIRS = "civil_affairs", "民政办"
    EMERGENCY = "emergency", "应急办"
    LABOUR = "labour", "人社（劳动保障）所"
    MARKET = "market", "市场监管所"
    AGRICULTURE = "agriculture", "农业服务中心"
    ECOLOGY = "ecology", "生态环境"
    HOUSING = "housing", "住建（村镇建设）"
    TRAFFIC = "traffic", "交通（交警）"
    HEALTH = "health", "卫生健康"
    PETITION = "petition", "信访办"
    OTHER = "other", "其他部门"


class FieldType(models.TextChoices):
    """Types of a category's extra fields."""

    TEXT = "text", "文本"
    NUMBER = "number", "数字"
    DATE = "date", "日期"
    SINGLE = "single", "单选"
    MULTI = "multi", "多选"
