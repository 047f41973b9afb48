"""Component ids, shared by the layout, the callbacks and the tests."""

DATA_VERSION = "data-version"
MAP = "route-map"
DATA_STATUS = "data-status"
DATA_ERROR = "data-error"
OFF_MAP = "off-map-list"
RECORD_COUNTS = "record-counts"
