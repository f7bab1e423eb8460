"""The matters a visit or a patrol turned into (转为事项), as a ledger cell: 受理编号（状态）, one query a chunk."""

from __future__ import annotations

from django.db.models import QuerySet

from gridgov.matters.choices import MatterState
from gridgov.matters.models import Matter


def matter_links(user, links: QuerySet, owner: str) -> dict[int, str]:
    """{owner id: "JF-2026-000012（已结案）；…"} for the link rows ``links`` (VisitMatter, PatrolMatter), naming
    only the matters ``user`` may see (the matter engine's own scope; ``user`` None: all)."""
    pairs = sorted(links.values_list(owner, "matter_id"))
    if not pairs:
        return {}
    base = Matter.objects.all() if user is None else Matter.objects.for_user(user)
    states = {value: str(label) for value, label in MatterState.choices}
    found = {
        pk: f"{Matter(id=pk, kind=kind, created_at=created_at).reference}（{states.get(state, state)}）"
        for pk, kind, created_at, state in base.filter(id__among=sorted({m for _, m in pairs})).values_list(
            "id", "kind", "created_at", "state"
        )
    }
    out: dict[int, list[str]] = {}
    for owner_id, matter_id in pairs:
        if matter_id in found:
            out.setdefault(owner_id, []).append(found[matter_id])
    return {owner_id: "；".join(texts) for owner_id, texts in out.items()}
