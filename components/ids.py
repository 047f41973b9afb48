"""Component ids, shared by the layout, the callbacks, the client-side code and the tests."""

DATA_VERSION = "data-version"
MAP = "route-map"
WINDOW_MODEL = "window-model"  # what the browser needs to redraw the map for any window (flightmap/window_model.py)
MAP_SIZE = "map-size"  # the map's box and the screen in pixels, measured in the browser: frames the map
SCREEN_SIZE = "screen-size"  # the screen alone ({vw, vh} of MAP_SIZE), set only when it changes: sizes the strip
LAYERS = "map-layers"  # layers the reader switched off in the legend
LAYER_TOGGLE = "layer-toggle"  # pattern-matching: {"type": LAYER_TOGGLE, "layer": key}
MARKS = "marks-list"  # the marks in the window as a list of buttons: the keyboard's way to their evidence
MARK_ITEMS = "marks-items"  # the list's items as data (components/plain_list.py draws them)
MARK_PICKED = "mark-picked"  # {"key": a mark's customdata, "n": a counter}: Enter or a click on one
DATA_STATUS = "data-status"
DATA_ERROR = "data-error"
OFF_MAP = "off-map-list"
OFF_MAP_ITEMS = "off-map-items"
OFF_MAP_SUMMARY = "off-map-summary"
RECORD_COUNTS = "record-counts"
PLACES_BODY = "places-body"  # the body of "How places were resolved", drawn from PLACES_ROWS
PLACES_ROWS = "places-rows"

# Timeline and playback
SLIDER = "timeline-slider"
DATES = "window-dates"
START_DATE = "window-start"
END_DATE = "window-end"
STRIP = "timeline-strip"
STRIP_TRACES = "timeline-strip-traces"  # how many traces the strip in the page has (0: not drawn yet)
PLAY = "play-button"
SPEED = "play-speed"
MODE = "play-mode"
TICK = "play-tick"
KEY_STEP = "key-step"
ZOOM = "timeline-zoom"  # the detail span [first day, last day] the slider and the strip show
SPAN_LOW = "span-low"  # first and last day of all the data: the window's bounds whatever the zoom
SPAN_HIGH = "span-high"
CASE_SPAN = "case-span"  # the flights' span, for the "Case span" preset
PRESETS = {"case": "preset-case", "month": "preset-month", "quarter": "preset-quarter", "all": "preset-all"}
ZOOM_BRUSH = "zoom-brush"
EVENT_DAYS = "event-days"

# Selection, evidence, table, stats
SELECTION = "selection"
DETAILS = "details-panel"
CLEAR_SELECTION = "clear-selection"
TABLE = "records-table"
TABLE_COLUMNS = "table-columns"
TABLE_EXPORT = "table-export"
TABLE_VIEW = "table-view"  # the view the grid last showed: a new one drops its cached blocks
TABLE_DOWNLOAD = "table-download"  # the last CSV link the download button followed
STATS = "window-stats"

# Filters and the shareable view
FILTERS = "filters"
FILTER_CONTROLS = {
    "aircraft": "filter-aircraft",
    "type": "filter-type",
    "operator": "filter-operator",
    "airport": "filter-airport",
    "route": "filter-route",
    "category": "filter-category",
    "confidence": "filter-confidence",
    "source": "filter-source",
}
FILTER_COUNTS = {key: f"filter-count-{key}" for key in FILTER_CONTROLS}
RESET = "reset-view"
URL = "url"
URL_NOTICE = "url-notice"
MAP_VIEW = "map-view"
COPY_LINK = "copy-link"
LINK_STATUS = "link-status"
FILTER_SUMMARY = "filter-summary"
URL_NOTICE_CLOSE = "url-notice-close"
URL_NOTICE_BODY = "url-notice-body"
URL_APPLIED = "url-applied"
URL_CHANGED = "url-changed"  # the address, when it changed from outside: a link, Back, Forward, a story step

# Briefing: story steps and presenter mode
APP = "app"
PRESENT = "present-button"
STORY_PICK = "story-pick"
CAPTION = "story-caption"
CAPTION_TITLE = "caption-title"
CAPTION_TEXT = "caption-text"
CAPTION_COUNTER = "caption-counter"
STEP_PREV = "step-prev"
STEP_NEXT = "step-next"
PRESENT_EXIT = "present-exit"
STEP_INFO = "step-info"
RESIZE_SINK = "resize-sink"

# Exports
EXPORT_BUTTONS = {fmt: f"export-{fmt}" for fmt in ("png", "pdf", "svg", "html", "pptx", "gif")}
EXPORT_STATUS = "export-status"
EXPORT_TOGGLE = "export-toggle"
EXPORT_DIALOG = "export-dialog"
EXPORT_CLOSE = "export-close"
EXPORT_DOWNLOAD = "export-download"
EXPORT_CANCEL = "export-cancel"
EXPORT_PROGRESS = "export-progress"

# Import: upload, column matching, preview, session layer, merge
IMPORT_OPEN = "import-open"
IMPORT_CLOSE = "import-close"
IMPORT_PANEL = "import-panel"
IMPORT_BODY = "import-body"
IMPORT_UPLOAD = "import-upload"
IMPORT_FILE = "import-file"
IMPORT_MESSAGE = "import-message"
IMPORT_TABLE = "import-table"
IMPORT_MAPPING = "import-mapping"
IMPORT_COLUMN = "import-column"  # pattern-matching: {"type": IMPORT_COLUMN, "column": ours}
IMPORT_CONSTANT = "import-constant"
IMPORT_FIXES = "import-fixes"
IMPORT_PICK = "import-pick"  # {"type": IMPORT_PICK, "name": place as written}
IMPORT_LAT = "import-lat"
IMPORT_LON = "import-lon"
IMPORT_SUMMARY = "import-summary"
IMPORT_PREVIEW = "import-preview"
IMPORT_SHOW = "import-show"
IMPORT_MERGE = "import-merge"
IMPORT_CLEAR_LAYER = "import-clear-layer"
IMPORT_DATE_ORDER = "import-date-order"  # day first / month first, asked only for dates such as 03/04/2023
IMPORT_DATE_ORDER_BOX = "import-date-order-box"
IMPORT_MERGE_WHY = "import-merge-why"
IMPORT_CANCEL = "import-cancel"
IMPORT_PROGRESS = "import-progress"
IMPORT_ASKED = "import-asked"  # the preview asked: one number per change of the controls (assets/flightmap.js previewAsked)
SESSION_LAYER = "session-layer"
# Background jobs: the browser's id (local storage), so that a user runs one job at a time
USER_ID = "user-id"
DATA_POLL = "data-poll"
# A flown track dropped on the import dialog (recognised by its format): its own short form.
IMPORT_TRACK_BODY = "import-track-body"
IMPORT_TRACK_LINE = "import-track-line"
IMPORT_TRACK_SOURCE = "import-track-source"
IMPORT_TRACK_CONFIDENCE = "import-track-confidence"
IMPORT_TRACK_FLIGHTS = "import-track-flights"
IMPORT_TRACK_MERGE = "import-track-merge"
IMPORT_TRACK_WHY = "import-track-why"
IMPORT_TRACK_LEGS = "import-track-legs"  # the legs proposed from the track, ticked to join flights.csv
