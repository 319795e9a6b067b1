"""Fast tests of the comments app: submitting, Akismet, moderation, mail, display, hostile input."""
