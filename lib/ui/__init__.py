"""The only package that imports streamlit: guard, sidebar and shared widgets."""
