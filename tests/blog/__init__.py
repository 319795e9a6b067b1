"""Fast tests of the blog app: posts, pages, tags, uploads, feeds, search, the admin."""
