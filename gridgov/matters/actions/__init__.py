"""State changes of matters: one function per action of the three-level linked disposal (三级联动处置).

Every function re-reads the matter under lock inside ``transaction.atomic()``, checks its guard from
`gridgov.matters.policy` (``can_<action>(user, matter)``, which raises `ActionRefused` with a message for
the user), validates its input (``ValidationError``), saves with ``update_fields`` and writes exactly one
timeline row through `engine._event`. Views, the API, Open311 intake and the periodic jobs call these;
nothing else changes a matter. Who may do what, and what a page offers, is `gridgov.matters.policy`.

The modules, by what they change:
- `engine`: the row lock, the timeline writer, arrivals and time limits (shared by all the others);
- `intake`: 登记, and 登记并上报 (record and report up in one step);
- `disposal`: accept, settle on the spot, report up, route and reply, send down, return, merge, reopen;
  feedback and closing;
- `kinds`: mediation and agreements, answers, rectification and re-inspection, proxy handling;
- `supervision`: cards (by the deadline job and by hand), automatic escalation, the periodic jobs;
- `edits`: attachments and corrections;
- `taxonomy`: categories, the time-limit table, departments.
"""

from gridgov.core.actions import ActionRefused
from gridgov.matters.actions.disposal import (
    FeedbackInput,
    accept,
    close,
    department_reply,
    merge_as_duplicate,
    record_feedback,
    reopen,
    report_up,
    resolve_on_spot,
    return_with_reason,
    route_to_department,
    send_back,
)
from gridgov.matters.actions.edits import EDIT_LABELS, MatterEdit, add_attachment, edit_matter
from gridgov.matters.actions.engine import MEDIATOR_ROLES
from gridgov.matters.actions.intake import MatterInput, Reporter, record_and_report_up, record_matter
from gridgov.matters.actions.kinds import (
    AgreementInput,
    answer,
    proxy_handle,
    record_agreement,
    record_mediation,
    rectify,
    reinspect,
    schedule_mediation,
)
from gridgov.matters.actions.supervision import (
    FlagReport,
    auto_escalate,
    flag_overdue,
    issue_card,
    reopen_due_recurrences,
    supervise,
)
from gridgov.matters.actions.taxonomy import (
    CategoryInput,
    DeadlineCell,
    DepartmentInput,
    save_category,
    save_department,
    set_deadline_rules,
)
from gridgov.matters.policy import StateRefused

__all__ = [
    "EDIT_LABELS",
    "MEDIATOR_ROLES",
    "ActionRefused",
    "AgreementInput",
    "CategoryInput",
    "DeadlineCell",
    "DepartmentInput",
    "FeedbackInput",
    "FlagReport",
    "MatterEdit",
    "MatterInput",
    "Reporter",
    "StateRefused",
    "accept",
    "add_attachment",
    "answer",
    "auto_escalate",
    "close",
    "department_reply",
    "edit_matter",
    "flag_overdue",
    "issue_card",
    "merge_as_duplicate",
    "proxy_handle",
    "record_agreement",
    "record_and_report_up",
    "record_feedback",
    "record_matter",
    "record_mediation",
    "rectify",
    "reinspect",
    "reopen",
    "reopen_due_recurrences",
    "report_up",
    "resolve_on_spot",
    "return_with_reason",
    "route_to_department",
    "save_category",
    "save_department",
    "schedule_mediation",
    "send_back",
    "set_deadline_rules",
    "supervise",
]
