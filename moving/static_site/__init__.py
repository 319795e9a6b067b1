"""The whole public site as static files any static web server can serve (manage.py export_site).

export.py sets the copy up and writes it; crawl.py follows the links from the
front page and names each page's file; stand_ins.py holds what the copy's pages
offer instead of the forms a static server cannot answer (the comment form,
the site's own search).
"""
