from django.db import models
from django.utils.translation import gettext_lazy as _

from gridgov.places.choices import CODE_LENGTH, PlaceKind


class MatterKind(models.TextChoices):
    """六小行动 minus publicity (宣讲 is an event, not a matter)."""

    DISPUTE = "dispute", _("矛盾纠纷")
    APPEAL = "appeal", _("群众诉求")
    ENVIRONMENT = "environment", _("环境问题")
    HARDSHIP = "hardship", _("群众困难")
    HAZARD = "hazard", _("安全隐患")


class RiskColor(models.TextChoices):
    """三色风险评估."""

    RED = "red", _("红色")
    YELLOW = "yellow", _("黄色")
    BLUE = "blue", _("蓝色")


class SourceChannel(models.TextChoices):
    VISIT = "visit", _("入户走访")
    WALK_IN = "walk_in", _("群众来访")
    PHONE = "phone", _("电话反映")
    WECHAT = "wechat", _("微信收集")
    POLICE_ALERT = "police_alert", _("警情推送")
    PATROL = "patrol", _("巡逻发现")
    INSPECTION = "inspection", _("排查发现")
    HOTLINE = "hotline", _("热线转办")
    ONLINE = "online", _("网上反映")


class ReporterType(models.TextChoices):
    RESIDENT = "resident", _("本地居民")
    OUTSIDER = "outsider", _("其他人员")
    ANONYMOUS = "anonymous", _("匿名")


class Level(models.TextChoices):
    """The level holding a matter (三级联动处置, with the grid below the village)."""

    GRID = "grid", _("网格")
    VILLAGE = "village", _("村（居）")
    TOWN = "town", _("乡镇（街道）")
    COUNTY = "county", _("县（区）")


# Bottom to top; "up one level" is the next entry.
LEVEL_ORDER = [Level.GRID, Level.VILLAGE, Level.TOWN, Level.COUNTY]
LEVEL_CODE_LENGTH = {level: CODE_LENGTH[PlaceKind(level.value)] for level in LEVEL_ORDER}
LEVEL_BY_CODE_LENGTH = {length: level for level, length in LEVEL_CODE_LENGTH.items()}


class DeadlineLevel(models.TextChoices):
    """Where a time limit applies: a level, or a department a matter was routed to."""

    GRID = "grid", _("网格")
    VILLAGE = "village", _("村（居）")
    TOWN = "town", _("乡镇（街道）")
    COUNTY = "county", _("县（区）")
    DEPARTMENT = "department", _("职能部门")


class MatterState(models.TextChoices):
    PENDING = "pending", _("待受理")
    IN_PROGRESS = "in_progress", _("办理中")
    AT_DEPARTMENT = "at_department", _("部门办理中")
    REINSPECTION = "reinspection", _("待复查")
    RESOLVED = "resolved", _("已办结待回访")
    CLOSED = "closed", _("已结案")
    MERGED = "merged", _("已合并")


# Matter states counted as resolved (办结): resolved and awaiting feedback, or closed.
DONE_STATES = ("resolved", "closed")

# The feedback dimension of a matter (its latest feedback verdict), when it has none yet.
NO_FEEDBACK = "none"

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

    RECORD = "record", _("登记")
    ACCEPT = "accept", _("受理")
    RESOLVE_ON_SPOT = "resolve_on_spot", _("现场处置")
    REPORT_UP = "report_up", _("上报")
    ROUTE_TO_DEPARTMENT = "route_to_department", _("交办部门")
    DEPARTMENT_REPLY = "department_reply", _("部门反馈")
    SEND_BACK = "send_back", _("结果下发")
    RETURN_WITH_REASON = "return_with_reason", _("回退")
    MERGE_AS_DUPLICATE = "merge_as_duplicate", _("合并重复")
    REOPEN = "reopen", _("重新办理")
    SCHEDULE_MEDIATION = "schedule_mediation", _("安排调解")
    RECORD_MEDIATION = "record_mediation", _("记录调解")
    RECORD_AGREEMENT = "record_agreement", _("登记调解协议")
    ANSWER = "answer", _("诉求答复")
    RECTIFY = "rectify", _("隐患整改")
    REINSPECT = "reinspect", _("整改复查")
    PROXY_HANDLE = "proxy_handle", _("代办")
    RECORD_FEEDBACK = "record_feedback", _("回访")
    CLOSE = "close", _("结案")
    SUPERVISE = "supervise", _("督办")
    ADD_ATTACHMENT = "add_attachment", _("添加附件")
    EDIT_MATTER = "edit_matter", _("修改事项")


class AnswerType(models.TextChoices):
    ANSWER = "answer", _("解答类")
    HANDLING = "handling", _("办理类")


class Recurrence(models.TextChoices):
    ONE_OFF = "one_off", _("一次性解决")
    RECURRING = "recurring", _("易反弹，常态化整治")
    NEEDS_HELP = "needs_help", _("需上级帮助解决")


class MediationOutcome(models.TextChoices):
    SUCCESS = "success", _("调解成功")
    FAILURE = "failure", _("调解不成")


class FeedbackMethod(models.TextChoices):
    PHONE = "phone", _("电话回访")
    VISIT = "visit", _("上门回访")
    WECHAT = "wechat", _("微信回访")
    SMS = "sms", _("短信回访")
    IN_PERSON = "in_person", _("当面告知")


class FeedbackVerdict(models.TextChoices):
    ACCEPTED = "accepted", _("认可")
    REJECTED = "rejected", _("不认可")


class AttachmentKind(models.TextChoices):
    """What an attachment is, decided from its content (never from its name)."""

    PHOTO = "photo", _("照片")
    DOCUMENT = "document", _("文件")


class CardColor(models.TextChoices):
    YELLOW = "yellow", _("黄牌督办")
    RED = "red", _("红牌督办")


class DepartmentKind(models.TextChoices):
    JUDICIAL = "judicial", _("司法所")
    POLICE = "police", _("派出所")
    NATURAL_RESOURCES = "natural_resources", _("自然资源所")
    CIVIL_AFFAIRS = "civil_affairs", _("民政办")
    EMERGENCY = "emergency", _("应急办")
    LABOUR = "labour", _("人社（劳动保障）所")
    MARKET = "market", _("市场监管所")
    AGRICULTURE = "agriculture", _("农业服务中心")
    ECOLOGY = "ecology", _("生态环境")
    HOUSING = "housing", _("住建（村镇建设）")
    TRAFFIC = "traffic", _("交通（交警）")
    HEALTH = "health", _("卫生健康")
    PETITION = "petition", _("信访办")
    OTHER = "other", _("其他部门")


class FieldType(models.TextChoices):
    """Types of a category's extra fields."""

    TEXT = "text", _("文本")
    NUMBER = "number", _("数字")
    DATE = "date", _("日期")
    SINGLE = "single", _("单选")
    MULTI = "multi", _("多选")
