"""Data logic of the flight-route dashboard: load, validate, geocode, build routes and figures.

Nothing in this package imports Dash; the web layer lives in `components/`.
"""
