"""/api/v1/field: the grid worker's phone — its offline data, and one idempotent sync of a mixed queue.

``POST /api/v1/field/sync`` takes ``{"records": [...]}`` (at most 500), each record a JSON object with
``kind`` (visit, follow_up, matter, visit_edit, campaign_check), ``client_uuid`` and the kind's fields
(see the schemas in `gridgov.field.schemas`). Each record is checked on its own and answered in the
order sent: created / updated / existing (uploaded before: the same id again) / conflict (an edit
made on a copy that changed on the server since: both copies come back) / rejected (with the reason).
"""

from __future__ import annotations

from ninja import Field, Router, Schema

from gridgov.core.access import scoped
from gridgov.field import actions, queries
from gridgov.keypersons.actions import audit_view

router = Router(tags=["移动端"])


class FieldSyncIn(Schema):
    records: list[dict] = Field(
        max_length=actions.SYNC_MAX,
        description=(
            f"离线队列，最多 {actions.SYNC_MAX} 条。每条含 kind（visit 走访 / follow_up 稳控 / matter 事项 / "
            "visit_edit 修改走访 / campaign_check 摸排）、client_uuid 及该类记录的字段。"
        ),
    )


class FieldSyncResult(Schema):
    client_uuid: str | None = Field(description="客户端记录ID（原样返回所提交的值）")
    kind: str = Field(description="记录类型")
    status: str = Field(
        description="created 新建，updated 已修改，existing 此前已上传（返回同一ID），conflict 冲突，rejected 未接受"
    )
    id: int | None = Field(description="记录在服务器上的ID（走访、稳控记录、事项或被修改的走访）")
    reference: str | None = Field(None, description="事项：受理编号（如 JF-2026-000123）")
    holder: str | None = Field(None, description="事项：现在的承办单位（如上报后的村（居）委会）")
    state: str | None = Field(None, description="事项：现在的状态（如 待受理）")
    detail: str = Field("", description="未接受或冲突的说明")
    errors: dict[str, list[str]] = Field(default_factory=dict, description="按字段的错误")
    server: dict | None = Field(
        None,
        description="冲突时：服务器上的副本（修改走访：mode、people_met、findings、companions、updated_at；"
        "摸排：answers、notes、checker_name、version）",
    )
    mine: dict | None = Field(None, description="冲突时：本次上传的内容")
    rebase: dict | None = Field(
        None,
        description="冲突时：若保留本机内容，把这些字段并入原记录后原样重新上传"
        "（base_updated_at 或 base_version，即服务器副本的版本）",
    )


class FieldSyncOut(Schema):
    results: list[FieldSyncResult] = Field(description="与提交顺序一致的逐条结果")
    created: int
    updated: int
    existing: int
    conflict: int
    rejected: int


@router.post(
    "/sync",
    url_name="field_sync",
    response=FieldSyncOut,
    summary="同步离线队列",
    description=(
        "一次上传手机上的离线队列（走访、稳控、事项、修改走访、摸排混合）。逐条按 client_uuid 幂等："
        "已上传过的返回 existing 与同一ID，重复上传同一队列不增加任何记录。修改走访时附上所依据副本的 "
        "updated_at；服务器副本已变则返回 conflict 及双方副本，由用户选择。单条被拒不影响其他各条。"
    ),
)
@scoped
def sync(request, body: FieldSyncIn):
    results = actions.sync(request.user, body.records)
    statuses = [name for name in FieldSyncOut.model_fields if name != "results"]
    counts = {status: sum(r["status"] == status for r in results) for status in statuses}
    return {"results": results, **counts}


class Choice(Schema):
    value: str
    label: str


class BootstrapOut(Schema):
    user: dict = Field(description="账号：id、name、place_code、place_name")
    households: list[dict] = Field(description="账号范围内的户：id、number、address、householder")
    households_more: bool = Field(description="户数超过上限，未全部列出")
    visit_modes: list[Choice]
    matter_kinds: list[Choice]
    categories: list[dict] = Field(description="可选用的事项分类：id、kind、name")
    colors: list[Choice]
    channels: list[Choice]
    recent_visits: list[dict] = Field(description="本人近30天登记的走访（离线修改所依据的副本）")
    follow_up: dict | None = Field(description="重点人员及稳控选项；仅有重点人群权限的账号有，否则为 null")
    campaigns: list[dict] = Field(description="进行中的摸排任务（摸排功能启用后）")


@router.get(
    "/bootstrap",
    url_name="field_bootstrap",
    response=BootstrapOut,
    summary="离线数据",
    description="手机离线使用所需的本人网格数据：户、事项分类、选项、近期走访；有权限时含重点人员。",
)
@scoped
def bootstrap(request):
    data = queries.bootstrap(request.user)
    if data["follow_up"] and data["follow_up"]["key_persons"]:
        audit_view("field_bootstrap", ids=[p["id"] for p in data["follow_up"]["key_persons"]])
    return data
