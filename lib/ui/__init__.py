"""UI layer: the app shell, charts, tables, the upload workflow and the Data page (Streamlit)."""
