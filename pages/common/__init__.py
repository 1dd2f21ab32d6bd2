"""Streamlit-only helpers shared by the pages (the core package never imports these)."""
