"""The records an offline phone uploads, one schema per kind (each record is checked on its own)."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Literal

from ninja import Field, Schema

from gridgov.keypersons.choices import FollowUpMode, PersonState, RiskColor, Whereabouts
from gridgov.matters.choices import MatterKind, SourceChannel
from gridgov.visits.choices import VisitMode


class RecordBase(Schema):
    client_uuid: uuid.UUID = Field(description="客户端生成的记录ID（UUID）；同一ID重复上传只生效一次")


class VisitRecord(RecordBase):
    kind: Literal["visit"] = Field(description="visit：走访")
    household_id: int = Field(ge=1, description="户ID（须在账号范围内）")
    visited_at: dt.datetime = Field(description="走访时间（带时区）")
    mode: VisitMode = Field(VisitMode.DOOR, description="方式")
    people_met: str = Field("", max_length=200, description="见到的人")
    findings: str = Field("", max_length=5000, description="走访情况")
    companions: str = Field("", max_length=200, description="其他同行人员")
    vulnerable_member_id: int | None = Field(None, ge=1, description="本次探访的关爱对象ID")


class FollowUpRecord(RecordBase):
    kind: Literal["follow_up"] = Field(description="follow_up：重点人员稳控（须有重点人群权限）")
    key_person_id: int = Field(ge=1, description="重点人员ID")
    followed_up_at: dt.datetime = Field(description="稳控时间（带时区）")
    mode: FollowUpMode = Field(FollowUpMode.DOOR, description="方式")
    whereabouts: Whereabouts = Field(description="去向")
    whereabouts_detail: str = Field("", max_length=200, description="去向说明")
    state: PersonState = Field(PersonState.STABLE, description="现实表现")
    notes: str = Field("", max_length=5000, description="稳控情况")
    color: RiskColor | Literal[""] = Field("", description="调整后的风险等级；空为不变")
    color_reason: str = Field("", max_length=300, description="调整理由")


class MatterRecord(RecordBase):
    kind: Literal["matter"] = Field(description="matter：事项")
    matter_kind: MatterKind = Field(description="事项类型")
    category_id: int = Field(ge=1, description="分类ID（须属于该类型、可选用）")
    title: str = Field(max_length=200, description="标题")
    description: str = Field("", max_length=5000, description="情况描述")
    household_id: int | None = Field(None, ge=1, description="涉及户ID；为空时发生地为本人所属地域")
    color: RiskColor = Field(RiskColor.BLUE, description="风险等级")
    channel: SourceChannel = Field(SourceChannel.VISIT, description="来源渠道")
    report_up: bool = Field(False, description="登记并上报：登记后即上报上一级（村（居）委会），两步同时生效或都不生效")
    report_reason: str = Field("", max_length=2000, description="上报理由；不填则记为“登记时即上报”")


class VisitEditRecord(RecordBase):
    kind: Literal["visit_edit"] = Field(description="visit_edit：修改已上传的走访")
    visit_id: int = Field(ge=1, description="走访记录ID")
    base_updated_at: dt.datetime = Field(description="所依据副本的 updated_at；服务器副本已变时答复 conflict")
    mode: VisitMode | None = Field(None, description="方式；不改时省略")
    people_met: str | None = Field(None, max_length=200, description="见到的人；不改时省略")
    findings: str | None = Field(None, max_length=5000, description="走访情况；不改时省略")
    companions: str | None = Field(None, max_length=200, description="其他同行人员；不改时省略")

    def changes(self) -> dict:
        return {
            name: getattr(self, name)
            for name in ("mode", "people_met", "findings", "companions")
            if getattr(self, name) is not None
        }


class CampaignCheckRecord(RecordBase):
    kind: Literal["campaign_check"] = Field(description="campaign_check：摸排")
    campaign_id: int = Field(ge=1, description="摸排任务ID")
    household_id: int = Field(ge=1, description="户ID（须在摸排范围和账号范围内）")
    checked_at: dt.datetime = Field(description="摸排时间（带时区）")
    answers: dict = Field(default_factory=dict, description="按问题标识的回答")
    notes: str = Field("", max_length=1000, description="备注")
    base_version: int | None = Field(
        None, ge=1, description="重新摸排时所依据的服务器副本版本；服务器副本已变时答复 conflict"
    )


RECORD_SCHEMAS: dict[str, type[RecordBase]] = {
    "visit": VisitRecord,
    "follow_up": FollowUpRecord,
    "matter": MatterRecord,
    "visit_edit": VisitEditRecord,
    "campaign_check": CampaignCheckRecord,
}
