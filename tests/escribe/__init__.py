"""Fast tests of the project shell and of the project as a whole: page files, backups, settings, layout, imports."""
