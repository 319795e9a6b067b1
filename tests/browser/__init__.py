"""The browser tier: Playwright driving the distribution's Chromium (marked browser; seconds per test)."""
