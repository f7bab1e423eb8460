"""Open311 GeoReport v2 vocabulary and how it maps onto the matter engine."""

from gridgov.matters.choices import FieldType, MatterKind, RiskColor, SourceChannel

SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"
CHANGESET = "2026-11-23T00:00:00Z"
"""When this endpoint's behaviour last changed (the discovery document's changeset)."""

FORMATS = {"json": "application/json; charset=utf-8", "xml": "text/xml; charset=utf-8"}

STATUS_OPEN = "open"
STATUS_CLOSED = "closed"

DEFAULT_WINDOW_DAYS = 90
"""GET requests without dates covers the last 90 days (the specification's default)."""
MAX_RESULTS = 1000

DATATYPE = {
    FieldType.TEXT: "string",
    FieldType.NUMBER: "number",
    FieldType.DATE: "datetime",
    FieldType.SINGLE: "singlevaluelist",
    FieldType.MULTI: "multivaluelist",
}
DATATYPE_DESCRIPTION = {
    FieldType.DATE: "日期，ISO 8601（YYYY-MM-DD 或带时区的日期时间）",
    FieldType.NUMBER: "数字",
}

CHANNEL_ALIASES = {"police": SourceChannel.POLICE_ALERT}
"""Short names the key command accepts for a source channel (besides the channel values themselves)."""

DEFAULT_COLOR = {MatterKind.HAZARD: RiskColor.YELLOW}
"""Machine intake cannot judge risk: hazards start yellow, everything else blue, until staff assess it."""

MAX_DESCRIPTION = 4000
MAX_TEXT = 200
COORD_DECIMALS = 3
"""Public reads round lat/long to 3 decimals (about 100 m), so a point does not single out a home."""
