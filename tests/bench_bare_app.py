"""A bare Streamlit page: the yardstick every dashboard page is compared with in the benchmark."""

import streamlit as st

st.set_page_config(page_title="Bare page", layout="wide")
st.title("Bare page")
st.write("A bare Streamlit page with a title and a line of text, served the same way as the app.")
