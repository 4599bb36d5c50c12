"""The thin Streamlit layer between pages/ and core/: connection, login, guards, shared widgets."""
