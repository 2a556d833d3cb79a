"""Dashboard sinks: the write plan (``plan``), Google Sheets (``google``), local xlsx/HTML."""
