"""A cross-site page in Chromium against the signed-in staff member and candidate."""
