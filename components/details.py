"""The details panel: every record behind the selected route, airport, event or table rows,
with dates and precision, aircraft, confidence, summary, conflict note and each source."""
from __future__ import annotations

import pandas as pd
from dash import Input, Output, callback, html

from components import ids
from components.state import store
from flightmap.corroborate import event_verdicts, flight_verdicts
from flightmap.evidence import format_dates, selected_records, sources_of, track_line, tracks_of

KIND_TITLES = {"route": "Route", "airport": "Airport", "event": "Event", "records": "Selected records"}


def create_details():
    return html.Section(
        [html.Div(id=ids.DETAILS, className="details"), html.Button("Clear selection", id=ids.CLEAR_SELECTION, className="button small", n_clicks=0)],
        className="panel details-wrap",
        **{"aria-live": "polite"},
    )


def _source_item(row) -> html.Li:
    if row.url:
        link = html.A("open", href=row.url, target="_blank", rel="noopener noreferrer")
    elif row.file:
        link = html.A("read the document", href=f"source/{row.id}", target="_blank", rel="noopener")
    else:
        link = html.Span("no link recorded", className="muted")
    return html.Li(
        [html.Strong(row.title), f" — {row.publisher}, {row.published or 'undated'} · ", link]
        + ([html.Div(row.notes, className="muted")] if row.notes else []),
        className="source",
    )


def _verdict_line(verdict) -> html.P:
    return html.P(verdict.text, className=f"corroboration {verdict.verdict.replace(' ', '-')}", **{"data-verdict": verdict.verdict})


def _record_card(title: str, lines: list, row, verdicts=()) -> html.Article:
    body = [html.H4(title), *[html.P(line) for line in lines if line], html.P(row.summary), *[_verdict_line(v) for v in verdicts]]
    if row.conflict_note:
        body.append(html.P([html.Strong("Conflict: "), row.conflict_note], className="conflict"))
    body.append(html.P(f"Sources: {', '.join(row.source_ids)}", className="muted"))
    return html.Article(body, className=f"record confidence-{row.confidence}", **{"data-record": title})


def flight_times(departure: str, arrival: str) -> str:
    if departure and arrival:
        return f"Departed {departure}, arrived {arrival} (UTC)"
    if departure or arrival:
        return f"{'Departed' if departure else 'Arrived'} {departure or arrival} (UTC)"
    return ""


def flight_card(row, verdicts=()) -> html.Article:
    kind = "reported pattern — no individual flight is dated" if row.kind == "pattern" else "dated flight"
    if row.kind == "dated" and not pd.isna(row.flights_count) and row.flights_count > 1:
        kind = f"{row.flights_count} dated flights"
    aircraft = " ".join(x for x in (row.registration, row.aircraft_type) if x) or "aircraft not identified"
    if row.callsign:
        aircraft += f" · callsign {row.callsign}"
    title = f"{row.origin_name or 'origin not reported'} → {row.destination_name or 'destination not reported'}"
    return _record_card(
        title,
        [
            f"{format_dates(row.date_start, row.date_end, row.date_precision)} (precision: {row.date_precision}) · {kind}",
            flight_times(row.departure_time, row.arrival_time),
            f"{aircraft} · {row.operator or 'operator not reported'}",
            f"Confidence: {row.confidence}" + (f" · {row.distance_km:,.0f} km" if not pd.isna(row.distance_km) else ""),
        ],
        row,
        verdicts,
    )


def event_card(row, verdicts=()) -> html.Article:
    return _record_card(
        row.title,
        [
            f"{format_dates(row.date_start, row.date_end, row.date_precision)} (precision: {row.date_precision}) · {row.category} · {row.place_name or 'place not reported'}",
            f"Aircraft: {row.aircraft}" if row.aircraft else "",
            f"Confidence: {row.confidence}",
        ],
        row,
        verdicts,
    )


def track_card(row, sources: pd.DataFrame) -> html.Article:
    by_id = sources.set_index("id")
    cited = [f"{by_id.at[i, 'title']} ({by_id.at[i, 'publisher']})" if i in by_id.index else i for i in row.source_ids]
    return html.Article(
        [html.H4(f"Flown track {row.id}"), html.P(track_line(row)),
         html.P(f"Backs: {', '.join(row.flight_ids)}") if row.flight_ids else None,
         html.P(row.notes) if row.notes else None,
         html.P(f"Source: {'; '.join(cited)}", className="muted")],
        className=f"record track confidence-{row.confidence}", **{"data-track": row.id},
    )


def details_children(selection: dict | None, flights: pd.DataFrame, events: pd.DataFrame, sources: pd.DataFrame, tracks: pd.DataFrame | None = None,
                     track_points: pd.DataFrame | None = None) -> list:
    if not selection:
        return [html.P("Click a route, an airport or an event — on the map, the timeline or the table — to see every record and source behind it.", className="muted")]
    chosen_flights, chosen_events = selected_records(selection, flights, events)
    heading = KIND_TITLES.get(selection.get("kind"), "Selection")
    if selection.get("kind") == "airport":
        heading += f": {selection.get('key')}"
    chosen_flights = chosen_flights.sort_values(["date_start", "departure_time", "arrival_time"], kind="stable")  # a day's flights in the order flown
    checked = tracks is not None and track_points is not None and len(tracks) and len(track_points)
    cards = ([flight_card(r, flight_verdicts(r, tracks, track_points) if checked else ()) for r in chosen_flights.itertuples()]
             + [event_card(r, event_verdicts(r, tracks, track_points) if checked else ()) for r in chosen_events.itertuples()])
    linked = tracks_of(chosen_flights["id"], tracks) if tracks is not None else None
    track_cards = [html.H4("Flown tracks"), *[track_card(r, sources) for r in linked.itertuples()]] if linked is not None and len(linked) else []
    cited = sources_of([chosen_flights, chosen_events, *([linked] if track_cards else [])], sources)
    return [
        html.H3(f"{heading} — {len(cards)} record{'s' if len(cards) != 1 else ''}"),
        *cards,
        *track_cards,
        html.H4("Sources"),
        html.Ul([_source_item(r) for r in cited.itertuples()], className="sources"),
    ]


@callback(Output(ids.DETAILS, "children"), Input(ids.SELECTION, "data"), Input(ids.DATA_VERSION, "data"))
def render_details(selection, _version):
    snapshot = store().current()
    if snapshot.located is None:
        return []
    return details_children(selection, snapshot.located.flights, snapshot.located.events, snapshot.dataset.sources, snapshot.dataset.tracks, snapshot.dataset.track_points)
