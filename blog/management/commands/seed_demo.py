"""Demo content for a fresh E-Scribe database: `make run` calls this every time."""

from datetime import timedelta
from textwrap import dedent

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from blog.models import Blurb, Post, Tag
from comments import moderation
from comments.models import Comment, CommentEvent, SpamReport


def md(text):
    """Dedent a triple-quoted Markdown body; fences only open at column 0."""
    return dedent(text).strip() + "\n"


# (name, featured). Featured tags appear under "Stuff I Use".
TAGS = [
    ("Python", True),
    ("Django", True),
    ("SQLite", True),
    ("Vim", True),
    ("Git", True),
    ("nginx", False),
    ("Shell", False),
    ("Markdown", False),
]

BLURBS = [
    (
        "About Me",
        md("""
            I'm a programmer who has been shipping Python since the 2.4 days, mostly small web
            applications for people who would rather not think about servers. This blog is where I
            write down the things I had to look up twice.
        """),
    ),
    (
        "Book",
        md("""
            *Small Sites, Sturdy Tools* is a short book about building and running web applications
            with Django, SQLite and a single cheap server. It collects the best of this blog, tidied
            up and with the mistakes removed. [Read the sample chapter](/).
        """),
    ),
    (
        "Colophon",
        md("""
            This site runs on E-Scribe, a small blog engine written in
            [Django](https://www.djangoproject.com/). Posts live in one SQLite file, pages are served
            by gunicorn behind nginx, and code is highlighted once, at save time, by Pygments.
        """),
    ),
]

# Offsets are relative to now so the demo never looks abandoned; a negative days_ago schedules a post.
POSTS = [
    {
        "title": "Upgrading this blog to Django 5.2",
        "days_ago": 2,
        "tags": ["Python", "Django"],
        "summary": md("""
            A boring upgrade, which is the best kind. Notes on the two deprecation warnings that
            actually needed work.
        """),
        "body": md("""
            Every LTS release I block out an evening for the upgrade, and every time it takes about
            twenty minutes. Django 5.2 was no exception. Here's what I did, in order, so future me can
            copy it.

            ## Read the warnings first

            Before touching `requirements.txt` I ran the test suite with warnings turned into errors.
            Anything deprecated in 5.1 shows up now, while the fix is still optional:

            ```bash
            python -Werror::DeprecationWarning manage.py test
            ```

            Two things came up: a `CheckConstraint` using the old `check=` keyword (it's
            `condition=` now) and a template that relied on the old form rendering.

            ## The actual change

            ```python models.py
            class Post(models.Model):
                class Meta:
                    constraints = [
                        models.CheckConstraint(
                            condition=~models.Q(slug=""),
                            name="post_slug_not_empty",
                        ),
                    ]
            ```

            Then bump the pin, run `makemigrations --check` to be sure nothing sneaks in, deploy.
            The whole diff was eleven lines.

            > The best upgrade is the one you do before you have to.

            That's it. If you run Django and have been putting off 4.2 → 5.2, it's less scary than
            it looks.
        """),
    },
    {
        "title": "SQLite in production: a year of notes",
        "days_ago": 41,
        "tags": ["SQLite", "Django"],
        "summary": md("""
            One file, no server, and it has been fine. The four settings that matter and one
            mistake I made.
        """),
        "body": md("""
            A year ago I moved this site from PostgreSQL to SQLite. People still ask if that was
            wise, so here are the numbers and the settings.

            ## The settings that matter

            SQLite's defaults are tuned for compatibility, not for a web server. These are the
            pragmas I set on every connection:

            | Pragma         | Value      | Why                                              |
            |----------------|------------|--------------------------------------------------|
            | `journal_mode` | `WAL`      | Readers no longer block the writer.              |
            | `synchronous`  | `NORMAL`   | Safe with WAL, and much faster than `FULL`.      |
            | `busy_timeout` | `5000`     | Wait for a lock instead of failing at once.      |
            | `foreign_keys` | `ON`       | Off by default, for historical reasons.[^compat] |

            Django 5.1 and later let you put these in `OPTIONS`, so no signal handlers are needed:

            ```python settings.py
            DATABASES = {
                "default": {
                    "ENGINE": "django.db.backends.sqlite3",
                    "NAME": BASE_DIR / "var" / "escribe.sqlite3",
                    "OPTIONS": {
                        "transaction_mode": "IMMEDIATE",
                        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
                    },
                },
            }
            ```

            ## The mistake

            I forgot that WAL mode keeps two extra files next to the database, `-wal` and `-shm`.
            My first backup script copied only the main file. Use the backup API instead; more on
            that in an older post.

            ## Is it fast enough?

            The busiest page runs three queries and spends about 2 ms in the database. You can
            check your own with:

            ```sql
            EXPLAIN QUERY PLAN
            SELECT id, title FROM blog_post
            WHERE status = 'published' AND published_at <= datetime('now')
            ORDER BY published_at DESC
            LIMIT 10;
            ```

            If the plan says `USING INDEX`, you're done.

            [^compat]: Turning it on by default would break old databases that contain dangling
                references, so the SQLite authors leave it to you.
        """),
    },
    {
        "title": "The nginx config that serves this site",
        "days_ago": 118,
        "tags": ["nginx"],
        "body": md("""
            People ask for the config, so here it is, with the comments I wish I'd had the first
            time. It's short because nginx does very little here: TLS, static files, and passing
            everything else to gunicorn.

            ```nginx escribe.conf
            upstream escribe {
                server unix:/run/escribe/gunicorn.sock fail_timeout=0;
            }

            server {
                listen 443 ssl;
                http2 on;
                server_name blog.example.com;

                ssl_certificate     /etc/letsencrypt/live/blog.example.com/fullchain.pem;
                ssl_certificate_key /etc/letsencrypt/live/blog.example.com/privkey.pem;

                location /static/ {
                    alias /srv/escribe/static/;
                    expires 30d;
                    add_header Cache-Control "public, immutable";
                }

                location / {
                    proxy_set_header Host $host;
                    proxy_set_header X-Forwarded-Proto $scheme;
                    proxy_pass http://escribe;
                }
            }
            ```

            ## Two things that bit me

            First, `alias` needs the trailing slash on both sides, or you get 404s that make no
            sense. Second, without `X-Forwarded-Proto` Django thinks every request is plain HTTP
            and CSRF checks fail on login.

            > If a config works and you don't know why, it doesn't work yet.

            Test before every reload with `nginx -t`. It takes a second and has saved me more than
            once.
        """),
    },
    {
        "title": "Git worktrees for the impatient",
        "days_ago": 247,
        "tags": ["Git", "Shell"],
        "body": md("""
            I used to `git stash` whenever someone asked me to look at a bug on another branch.
            Then I'd forget the stash. Worktrees fixed that: a second checkout of the same
            repository, in its own directory, sharing one `.git`.

            ## The three commands

            ```bash
            # Check out the release branch next to the main checkout
            git worktree add ../blog-hotfix release-5.x

            # See what you have
            git worktree list

            # Done? Remove it (the branch stays)
            git worktree remove ../blog-hotfix
            ```

            Each worktree has its own working files and index, so a half-finished change in one
            never leaks into the other. Commits made in either show up in both, because the object
            store is shared.

            ## One gotcha

            A branch can only be checked out in one worktree at a time. Git will refuse, politely,
            if you try. That's a feature: two checkouts editing the same branch would be chaos.

            I keep a tiny shell function for the common case:

            ```bash
            wt() {
                git worktree add "../$(basename "$PWD")-$1" "$1" && cd "../$(basename "$PWD")-$1"
            }
            ```
        """),
    },
    {
        "title": "Vim registers I actually use",
        "days_ago": 402,
        "tags": ["Vim"],
        "body": md("""
            Vim has a register for everything, and `:help registers` lists them all. I use five.
            Here they are, with the situation that made each one stick.

            | Register | What it holds                    | When I reach for it                     |
            |----------|----------------------------------|-----------------------------------------|
            | `"0`     | The last yank                    | After a delete clobbered the paste      |
            | `"+`     | The system clipboard             | Copying into a browser or chat          |
            | `"a`–`"z`| Whatever you put there           | Collecting lines with `"Ayy` (append)   |
            | `".`     | The last inserted text           | Repeating an insert somewhere else      |
            | `":`     | The last command line            | `@:` to repeat an Ex command            |

            ## The yank register saves the day

            The classic annoyance: you yank a line, delete another, and `p` pastes the deleted one.
            The yank is still in `"0`, so `"0p` gets it back. Once you know that, the problem is gone.

            ## Registers are just text

            You can edit a macro by pasting its register, changing it, and yanking it back:

            ```vim
            " Paste macro q, edit the line, then store it again
            :put q
            " ...edit...
            0"qy$
            ```

            That trick alone turned macros from something I feared into something I use daily.
        """),
    },
    {
        "title": "Writing a Django management command you won't regret",
        "days_ago": 523,
        "tags": ["Python", "Django"],
        "summary": md("""
            Small, idempotent, one transaction, and honest output. A checklist from the commands
            I've had to fix at 2 a.m.
        """),
        "body": md("""
            Management commands start as ten-line scripts and end up in cron jobs that nobody dares
            touch. A few habits keep them pleasant.

            ## Make it safe to run twice

            If running the command again would duplicate data, someone will run it again. Check
            first, and say what you're skipping:

            ```python management/commands/close_old_comments.py
            from datetime import timedelta

            from django.core.management.base import BaseCommand
            from django.db import transaction
            from django.utils import timezone

            from blog.models import Post


            class Command(BaseCommand):
                help = "Close comments on posts older than a year."

                def handle(self, *args, **options):
                    cutoff = timezone.now() - timedelta(days=365)
                    with transaction.atomic():
                        count = Post.objects.filter(
                            published_at__lt=cutoff, comments_enabled=True
                        ).update(comments_enabled=False)
                    self.stdout.write(self.style.SUCCESS(f"Closed comments on {count} posts."))
            ```

            ## Write to `self.stdout`, not `print`

            `call_command()` in tests can capture `self.stdout`; it can't capture `print`. The
            `self.style` helpers also switch off colour automatically when output isn't a terminal.

            ## One transaction

            Wrap the work in `transaction.atomic()`. If it fails halfway, you get nothing instead of
            half of something, and half of something is always worse.
        """),
    },
    {
        "title": "Shell scripts that fail loudly",
        "days_ago": 655,
        "tags": ["Shell"],
        "body": md("""
            A shell script that keeps going after an error is worse than one that stops. Mine all
            start the same way now.

            ```bash deploy.sh
            #!/usr/bin/env bash
            set -euo pipefail

            cd "$(dirname "$0")"
            git pull --ff-only
            .venv/bin/pip install -r requirements.txt
            .venv/bin/python manage.py migrate --no-input
            .venv/bin/python manage.py collectstatic --no-input
            sudo systemctl reload escribe
            ```

            ## What each flag buys you

            - `-e` stops at the first failing command.
            - `-u` treats an unset variable as an error, so a typo in `$DEPLOY_DIR` doesn't
              become `rm -rf /`.
            - `-o pipefail` makes a pipeline fail if *any* part fails, not just the last.

            ## Run ShellCheck

            [ShellCheck](https://www.shellcheck.net/) finds the quoting bugs you didn't know you
            had. I run it in CI and it has never been wrong about one of mine:

            ```console
            $ shellcheck deploy.sh
            $ echo $?
            0
            ```

            Silence is the nicest thing a linter can say.
        """),
    },
    {
        "title": "Full-text search with SQLite FTS5",
        "days_ago": 801,
        "tags": ["SQLite", "Python"],
        "body": md("""
            This blog's search box used to run `icontains` on every post body. It worked until it
            didn't. SQLite ships with FTS5, a full-text index that's fast and surprisingly good at
            ranking.

            ## Create the index

            An external-content table indexes the posts without storing the text twice:

            ```sql
            CREATE VIRTUAL TABLE post_fts USING fts5(
                title, body,
                content='blog_post', content_rowid='id',
                tokenize='porter unicode61'
            );

            INSERT INTO post_fts(post_fts) VALUES ('rebuild');
            ```

            ## Query it from Python

            ```python
            def search(connection, terms):
                sql = '''
                    SELECT rowid, highlight(post_fts, 0, '<mark>', '</mark>')
                    FROM post_fts WHERE post_fts MATCH ?
                    ORDER BY bm25(post_fts) LIMIT 20
                '''
                return connection.execute(sql, [terms]).fetchall()
            ```

            `bm25()` ranks title matches and body matches together; give the title more weight by
            passing per-column factors, for example `bm25(post_fts, 10.0, 1.0)`.

            The porter tokenizer means a search for *running* also finds *run*, which is the single
            feature readers noticed.
        """),
    },
    {
        "title": "Markdown footnotes, and why I like them",
        "days_ago": 979,
        "tags": ["Markdown"],
        "body": md("""
            Footnotes let me keep an aside without derailing a paragraph.[^aside] They're not in
            the original Markdown, but most implementations support the same syntax.

            ## The syntax

            You write a marker where the note belongs and the note anywhere in the document:

            ```
            Here is a claim.[^source]

            [^source]: And here is where it came from.
            ```

            The renderer numbers them in order of appearance, so the labels can be words. I use
            words; numbers go stale as soon as you insert a new note above.

            ## A second one, to show the numbering

            Readers on phones told me footnotes are annoying to jump to and back from.[^phones] The
            back-link arrow at the end of each note fixes most of that.

            [^aside]: Like this one. It would have been a parenthesis three lines long.

            [^phones]: Fair enough. I now keep footnotes short, and never put anything essential
                in one.
        """),
    },
    {
        "title": "Copy buttons on code blocks, in thirty lines of JavaScript",
        "days_ago": 1148,
        "tags": ["Markdown"],
        "comments_enabled": False,
        "body": md("""
            Every code block on this site now has a *Copy* button. It's progressive enhancement:
            without JavaScript you get a plain code block, which is fine.

            ```javascript copy.js
            document.querySelectorAll("div.highlight").forEach((block) => {
              const button = document.createElement("button");
              button.type = "button";
              button.className = "copy";
              button.textContent = "Copy";
              button.addEventListener("click", async () => {
                await navigator.clipboard.writeText(block.innerText);
                button.textContent = "Copied";
                setTimeout(() => (button.textContent = "Copy"), 1500);
              });
              block.prepend(button);
            });
            ```

            ## Why `innerText`

            `textContent` would include the button's own label. `innerText` follows what is
            rendered, so the copied code matches what you see.

            The clipboard API only works on HTTPS (or `localhost`), which is one more reason to
            stop serving anything over plain HTTP.
        """),
    },
    {
        "title": "pathlib, five years in",
        "days_ago": 1322,
        "tags": ["Python"],
        "summary": md("""
            I resisted `pathlib` for years. Now `os.path` looks strange to me.
        """),
        "body": md("""
            `pathlib` arrived in Python 3.4 and I ignored it until 3.6, when most of the standard
            library started accepting path objects. Here's what won me over.

            ## The `/` operator

            ```python
            from pathlib import Path

            BASE_DIR = Path(__file__).resolve().parent.parent
            media = BASE_DIR / "var" / "media"
            media.mkdir(parents=True, exist_ok=True)
            ```

            Compare `os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "var")`.
            I rest my case.

            ## Small things that add up

            - `path.read_text()` and `path.write_text()` for the quick cases.
            - `path.suffix`, `path.stem` and `path.with_suffix(".bak")`.
            - `Path.home()` instead of fiddling with environment variables.
            - `sorted(path.glob("*.md"))` to walk a directory.

            Django's own `settings.py` template switched to `pathlib` in 3.1, so new projects get
            it for free.
        """),
    },
    {
        "title": "git bisect found my bug in eleven steps",
        "days_ago": 1497,
        "tags": ["Git", "Python"],
        "body": md("""
            The feed had been broken for an unknown number of weeks, and there were 1,400 commits
            since the last version I knew was good. `git bisect` halves the range each step, so that
            is about eleven steps. Here is the whole session.

            ```console
            $ git bisect start
            $ git bisect bad HEAD
            $ git bisect good v2.3
            Bisecting: 702 revisions left to test after this (roughly 10 steps)
            $ git bisect run python -m pytest tests/test_feeds.py -x -q
            ...
            a41c9e2 is the first bad commit
            $ git bisect reset
            ```

            ## Let a script do the testing

            `git bisect run` takes any command: exit code 0 means good, 1–127 means bad, and 125
            means "can't test this one, skip it". A focused test file is perfect.

            ## The bug

            The culprit changed a date to a naive `datetime`, and the feed library quietly dropped
            entries it couldn't compare. One line, found in four minutes without reading a single
            diff by hand.
        """),
    },
    {
        "title": "Backups for a single SQLite file",
        "days_ago": 1703,
        "tags": ["SQLite", "Shell"],
        "body": md("""
            The nicest thing about SQLite is that the whole database is one file. The most dangerous
            thing about SQLite is that people then back it up with `cp`.

            ## Use the backup command

            Copying a database while it's being written can give you a corrupt copy. The `.backup`
            command takes a consistent snapshot, even with writers active:

            ```bash backup.sh
            #!/usr/bin/env bash
            set -euo pipefail

            stamp=$(date +%Y-%m-%d)
            sqlite3 /srv/escribe/var/escribe.sqlite3 ".backup /srv/backups/escribe-$stamp.sqlite3"
            gzip -f "/srv/backups/escribe-$stamp.sqlite3"
            find /srv/backups -name 'escribe-*.sqlite3.gz' -mtime +30 -delete
            ```

            ## Check that it restores

            A backup you haven't restored is a hope, not a backup. Once a month:

            ```bash
            gunzip -c /srv/backups/escribe-latest.sqlite3.gz > /tmp/check.sqlite3
            sqlite3 /tmp/check.sqlite3 "PRAGMA integrity_check;"
            ```

            It should print `ok`. Mine has, every month so far, which is exactly why I keep checking.
        """),
    },
    {
        "title": "select_related vs prefetch_related, with numbers",
        "days_ago": 1911,
        "tags": ["Django", "Python", "SQLite"],
        "body": md("""
            The home page listed ten posts with their authors and tags, and ran 21 queries to do
            it. The Django debug toolbar made the problem obvious; the fix took two lines.

            ## Before and after

            ```python
            posts = (
                Post.objects.published()
                .select_related("author")      # one JOIN: a post has one author
                .prefetch_related("tags")      # one extra query: a post has many tags
            )[:10]
            ```

            | Version                 | Queries | Time in DB |
            |-------------------------|--------:|-----------:|
            | Plain queryset          |      21 |     9.8 ms |
            | `select_related` only   |      11 |     5.1 ms |
            | Both                    |       2 |     1.2 ms |

            ## The rule of thumb

            Use `select_related` for foreign keys and one-to-one fields: it follows them in the same
            query with a JOIN. Use `prefetch_related` for many-to-many and reverse relations: it runs
            one query per relation and stitches the results together in Python.

            Read the [queryset documentation](https://docs.djangoproject.com/en/stable/ref/models/querysets/)
            for the details; it's one of Django's best pages.
        """),
    },
    {
        "title": "Vim as a Python IDE, minus the IDE",
        "days_ago": 2290,
        "tags": ["Vim", "Python"],
        "body": md(r"""
            I've tried the big editors. I keep coming back to Vim with a short `vimrc` and a
            language server. This is the Python part of mine.

            ```vim ftplugin/python.vim
            setlocal expandtab shiftwidth=4 softtabstop=4
            setlocal textwidth=100 colorcolumn=+1
            " Run the current file's tests with :make
            setlocal makeprg=python\ -m\ pytest\ %
            nnoremap <buffer> <leader>t :make<CR>:copen<CR>
            ```

            ## What I don't miss

            Project-wide search is `:grep` with `grepprg` set to ripgrep. Jumping to definitions and
            renaming come from the language server. Debugging is `breakpoint()` and a terminal.

            ## What I do miss

            Honestly, a good visual diff for three-way merges. `vimdiff` works, but I open a GUI
            tool for anything with more than a couple of conflicts.
        """),
    },
    {
        "title": "Hello, world: why I write my own blog engine",
        "days_ago": 2553,
        "tags": ["Python", "Django"],
        "comments_enabled": False,
        "body": md("""
            Every programmer's blog seems to start with a post about the blog itself. Here's mine.

            ## Why not a hosted platform?

            I wanted three things: Markdown I write in my own editor, code highlighting that doesn't
            need JavaScript, and URLs that will still work in ten years. Writing a small Django app
            gave me all three, and it's a good excuse to keep my Django skills sharp.

            ## What it does

            - Posts in Markdown, rendered to HTML once, when I save.
            - Tags, a feed, and a sidebar with a few notes about me.
            - Comments, moderated by hand.

            That's the whole list. The goal is to spend my evenings writing, not maintaining.

            ```python
            print("Hello, world")
            ```

            Comments are closed on this one; say hello on a newer post.
        """),
    },
    {
        "title": "Draft: Running Django with gunicorn under systemd",
        "days_ago": 5,
        "status": Post.Status.DRAFT,
        "tags": ["Django", "nginx"],
        "body": md("""
            Still writing this one. The short version: a systemd unit, a socket, and nginx in front.

            ```ini escribe.service
            [Service]
            User=escribe
            WorkingDirectory=/srv/escribe
            ExecStart=/srv/escribe/.venv/bin/gunicorn escribe.wsgi --bind unix:/run/escribe/gunicorn.sock
            Restart=on-failure
            ```

            Still to write: `RuntimeDirectory=`, graceful reloads, and the logging setup.
        """),
    },
    {
        "title": "Coming soon: A weekend with Go, as a Python programmer",
        "days_ago": -4,
        "tags": ["Python"],
        "summary": md("""
            What felt familiar, what felt strange, and the one thing I wish Python had.
        """),
        "body": md("""
            I spent a weekend rewriting a small log-parsing script in Go. Coming from Python, the
            first surprise was how little there was to configure.

            ```go main.go
            package main

            import (
                "bufio"
                "fmt"
                "os"
                "strings"
            )

            func main() {
                counts := map[string]int{}
                scanner := bufio.NewScanner(os.Stdin)
                for scanner.Scan() {
                    fields := strings.Fields(scanner.Text())
                    if len(fields) > 8 {
                        counts[fields[8]]++
                    }
                }
                fmt.Println(counts)
            }
            ```

            ## What I liked

            One binary, no virtualenv, and `go fmt` ending every style argument before it starts.

            ## What I missed

            List comprehensions, mostly. Three nested loops to do what one line of Python does is
            a trade I'd only make for speed.
        """),
    },
]


# (post title, name, website, text, status, hours after the post)
COMMENTS = [
    ("Upgrading this blog to Django 5.2", "Priya", "https://priya.example/",
     "Same experience here: twenty minutes, and most of it was reading the release notes.", "approved", 5),
    ("Upgrading this blog to Django 5.2", "Tom B.", "",
     "Did you have to change anything for the new form rendering? Mine broke a custom widget.", "approved", 30),
    ("Upgrading this blog to Django 5.2", "Marta", "",
     "Thanks! Bookmarking this for our upgrade next month.", "pending", 40),
    ("SQLite in production: a year of notes", "Lee", "https://lee.example/blog/",
     "WAL mode plus IMMEDIATE transactions fixed our \"database is locked\" errors too.\n\n"
     "One more tip: run PRAGMA optimize now and then.", "approved", 12),
    ("SQLite in production: a year of notes", "cheap-pills-online", "http://spam.example/",
     "Great post!!! Visit my site for the best deals http://spam.example/", "spam", 3),
]
DEMO_SPAM_KILLED, DEMO_SPAM_SINCE = 237132, 2008


class Command(BaseCommand):
    help = "Fill an empty database with demo posts, tags and blurbs (does nothing if any post exists)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--author", metavar="USERNAME", help="Attribute the posts to this user, if it exists."
        )

    def handle(self, *args, author=None, **options):
        if Post.objects.exists():
            self.stdout.write(self.style.NOTICE("Posts already exist; seed_demo left the database alone."))
            return

        user = None
        if author:
            user = get_user_model().objects.filter(username=author).first()
            if user is None:
                self.stdout.write(self.style.WARNING(f"No user {author!r}; the demo posts have no author."))

        now = timezone.now()
        with transaction.atomic():
            # get_or_create, so an empty blog that already has some tags or blurbs can still be seeded.
            tags, tags_created = {}, 0
            for name, featured in TAGS:
                tags[name], created = Tag.objects.get_or_create(name=name, defaults={"featured": featured})
                tags_created += created

            blurbs_created = 0
            for position, (title, body) in enumerate(BLURBS, start=1):
                _, created = Blurb.objects.get_or_create(
                    title=title, defaults={"body": body, "position": position, "visible": True}
                )
                blurbs_created += created

            for index, data in enumerate(POSTS):
                post = Post(
                    title=data["title"],
                    body=data["body"],
                    summary=data.get("summary", ""),
                    status=data.get("status", Post.Status.PUBLISHED),
                    # Varied hours keep posts off a suspiciously regular midnight grid.
                    published_at=now - timedelta(days=data["days_ago"], hours=(index * 5) % 11),
                    comments_enabled=data.get("comments_enabled", True),
                    author=user,
                )
                post.save()
                post.tags.set([tags[name] for name in data["tags"]])
                for warning in post.render_warnings:
                    self.stderr.write(self.style.WARNING(f"{post.title}: {warning}"))
            comments_created = self._comments(now)

        self.stdout.write(
            self.style.SUCCESS(
                f"Created {len(POSTS)} posts, {tags_created} tags, {blurbs_created} blurbs, "
                f"{comments_created} comments."
            )
        )

    def _comments(self, now):
        """A few comments in every state, so the page and the moderation queue have something to show."""
        posts = {post.title: post for post in Post.objects.all()}
        for title, name, website, text, status, hours in COMMENTS:
            post = posts[title]
            comment = Comment.objects.create(
                post=post,
                author_name=name,
                author_email=f"{name.split()[0].lower()}@example.com",
                author_url=website,
                body=text,
                status=status,
                created_at=min(post.published_at + timedelta(hours=hours), now),
                ip_address="192.0.2.10",
            )
            moderation.record(comment, CommentEvent.Kind.RECEIVED, detail="Demo content.")
        report = SpamReport.current()
        if report.killed == 0:
            report.killed, report.since_year = DEMO_SPAM_KILLED, DEMO_SPAM_SINCE
            report.save()
        return len(COMMENTS)
