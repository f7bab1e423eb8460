from django.db import models


class AuditAction(models.TextChoices):
    CREATE = "create", "新增"
    UPDATE = "update", "修改"
    DELETE = "delete", "删除"
    LOGIN = "login", "登录"
    LOGOUT = "logout", "退出"
    LOGIN_FAILED = "login_failed", "登录失败"
    LOCKOUT = "lockout", "账号锁定"
    GRANT = "grant", "授权"
    REVEAL = "reveal", "查看敏感信息"
    IMPORT = "import", "导入"
    EXPORT = "export", "导出"
