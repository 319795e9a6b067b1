"""Running a management command in a test and reading what it said: stdout, stdout and stderr, or its refusal."""

from io import StringIO

from django.core.management import CommandError, call_command


def run(*args):
    """call_command(*args); what it wrote to stdout (stderr is kept out of the test's output, unread)."""
    out = StringIO()
    call_command(*args, stdout=out, stderr=StringIO())
    return out.getvalue()


def run_both(*args):
    """call_command(*args); its (stdout, stderr), for the commands that report problems on stderr."""
    out, err = StringIO(), StringIO()
    call_command(*args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def run_or_refusal(*args):
    """call_command(*args); its (stdout, the CommandError's message or None), for a refusal read like a report."""
    out = StringIO()
    try:
        call_command(*args, stdout=out, stderr=StringIO())
    except CommandError as error:
        return out.getvalue(), str(error)
    return out.getvalue(), None
