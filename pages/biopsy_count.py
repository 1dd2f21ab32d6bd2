"""biopsy_count page (placeholder until its page lands)."""

import streamlit as st

st.title("biopsy_count")
