"""The community server (Django): kiosk API, cadre pages, lessons for phones."""
