"""The HTTP face of gbess: ``create_app`` builds the Flask webhook (auth, validation, errors)."""
