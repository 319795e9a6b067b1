"""The property tier: hypothesis feeding arbitrary text to the comment form, the renderer and the URLs."""
