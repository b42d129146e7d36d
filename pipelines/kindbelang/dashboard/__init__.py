"""The offline Dutch dashboard site, built from the published warehouse copy by `builder.build_site`
(the Dagster asset is kindbelang/assets/site.py)."""
