from django.db import models
from django.utils.translation import gettext_lazy as _


class AuditAction(models.TextChoices):
    CREATE = "create", _("新增")
    UPDATE = "update", _("修改")
    DELETE = "delete", _("删除")
    LOGIN = "login", _("登录")
    LOGOUT = "logout", _("退出")
    LOGIN_FAILED = "login_failed", _("登录失败")
    LOCKOUT = "lockout", _("账号锁定")
    GRANT = "grant", _("授权")
    REVEAL = "reveal", _("查看敏感信息")
    VIEW = "view", _("查看")  # a page or API answer that shows key-population records
    IMPORT = "import", _("导入")
    EXPORT = "export", _("导出")
    PRUNE = "prune", _("清理过期审计日志")
