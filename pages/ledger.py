"""Exploration ledger: every analysis setting this session looked at, each with its HR and p,
and one p adjusted for having looked at all of them (her2dash/ledger.py). A pre-specified
analysis can be locked here; every page, export and report then says whether its result is
that analysis or an exploratory one.
"""

from __future__ import annotations

import streamlit as st

from her2dash.tables.ledger import (
    adjusted_text,
    explanation,
    ledger_frame,
    prespecified_text,
    status_detail,
)
from pages.common.show import show_table, unavailable
from pages.common.state import (
    clear_ledger,
    current_adjusted_p,
    current_ledger_rows,
    current_settings,
    current_status,
    lock_prespecified,
    unlock_prespecified,
)

st.title("Exploration ledger")
status = current_status()
st.info(status_detail(status), icon=":material/history:")
explained = st.empty()  # filled once the adjusted p says how many splits are distinct

left, right = st.columns(2)
permutations = left.number_input("Permutations", 100, 100_000, 1000, step=100,
                                 key="ledger.permutations",
                                 help="More permutations, a finer p (its resolution is "
                                      "1/(permutations + 1)); 1,000 take well under a second.")
seed = right.number_input("Random seed", 0, 2**31 - 1, 0, key="ledger.seed")

rows = current_ledger_rows()
adjusted = current_adjusted_p(int(permutations), int(seed))
explained.markdown(explanation(status.n_explored, getattr(adjusted, "n_distinct", None)))
st.subheader("Adjusted for everything explored")
if not unavailable(adjusted, "The adjusted p"):
    st.markdown(adjusted_text(adjusted))
st.subheader(f"The {len(rows)} setting(s) explored, in the order looked at")
show_table(ledger_frame(rows, adjusted, current=current_settings(),
                        prespecified=status.prespecified), "ledger.table",
           "exploration_ledger",
           caption="Settings list what differs from the paper's 2+/3+ positivity and all "
                   "fragment counts. Naive p: the log-rank p of the setting on its own. Adjusted "
                   "p: adjusted for all explored settings (compared with the best of them under "
                   "each permutation: single-step maxT). Permutation p: the setting alone, by "
                   "permutation.")

st.subheader("Pre-specified analysis")
st.markdown(prespecified_text(rows, status.prespecified))
lock, unlock, clear, _ = st.columns([1, 1, 1, 2])
lock.button("Lock as pre-specified", on_click=lock_prespecified, key="ledger.lock",
            icon=":material/lock:", type="primary" if status.prespecified is None else
            "secondary")
unlock.button("Unlock", on_click=unlock_prespecified, key="ledger.unlock",
              icon=":material/lock_open:", disabled=status.prespecified is None)
clear.button("Clear ledger", on_click=clear_ledger, key="ledger.clear", icon=":material/delete:",
             help="Forget the settings explored so far (the current one stays). The count "
                  "restarts: use it only when starting a genuinely new question.")
