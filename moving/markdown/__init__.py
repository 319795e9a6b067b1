"""A whole blog as a folder of Markdown files: what export_markdown writes, import_markdown and seed_demo read.

The folder, E-Scribe's own format (demo/ is one; demo/README.md describes it):

    blog.yaml                        the tags with their featured flag (and, in demo/, as_of)
    YYYY-MM-DD-slug.md               one post (blog/frontmatter.py's format)
    YYYY-MM-DD-slug.comments.yaml    its comments (optional)
    blurbs/NN-slug.md                one sidebar blurb
    pages/NN-slug.md                 one standalone page (About, Now...), NN its navigation position
    spam-report.yaml                 the spam counter
    site.yaml                        the site settings: title, tagline, footer... (moving/site_file.py)
    uploads.yaml                     the author's uploads: names, alt texts, sizes, copies (when there are any)
    media/uploads/YYYY/MM/name.ext   their files, at the paths posts link to (/media/...)

A folder without blog.yaml is another engine's: every .md or .markdown file
under it (under _posts and _drafts if it has them) is a Jekyll, Octopress or
Hugo post (moving/markdown/dialects.py). Own files
are read strictly and their bodies kept byte for byte, which is what makes a
round trip byte-identical; other engines' bodies get the engine's fences.

Everything is read and checked before anything is written, and written in one
transaction: a bad file imports nothing.

reading: folder.py (own format), other_engines.py and dialects.py (Jekyll, Octopress,
Hugo), code_blocks.py; writing: importer.py, with permalinks.py (other engines' old
addresses as redirects) and assets.py (their images and files as uploads); export: exporter.py.
"""
