"""Plotly figure builders: a result object in, a ``go.Figure`` out; no statistics here.

One module per figure (km, waterfall, forest, fragment_map, ...); ``theme`` holds the shared
colour-blind-safe palette and the layout that stays readable on a projector.
"""
