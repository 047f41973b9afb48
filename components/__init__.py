"""Dash layout factories and their callbacks, one module per part of the page."""
