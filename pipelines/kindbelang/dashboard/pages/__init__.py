"""One module per page: its `context(builder)` turns the marts (read through `kindbelang.dashboard.data`) into the
context of its template. The `SiteBuilder` keeps the shared pieces (charts, CSV files, sources); no SQL here."""
