"""her2dash: intratumoral HER2 heterogeneity analysis, headless core.

Nothing under this package imports Streamlit; the dashboard (``app.py``, ``pages/``) and the
command line (``python -m her2dash``) are thin front doors over the same functions.
"""

from her2dash.settings import Settings

__all__ = ["Settings"]
__version__ = "0.1.0"
