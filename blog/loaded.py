"""The values a row had in the database, kept on its instance so a save can tell what it changed."""


class KeepsLoadedValues:
    """Mixin for a model whose post_save receivers compare a few fields with their stored values.

    The values come from Django's documented from_db() hook and are brought up to date
    after every save, so a save costs no SELECT of the old row, and a second rename of
    the same instance is compared with the first, not with the row as first loaded.
    """

    # The fields the receivers compare, by attname.
    kept_fields = ()

    @classmethod
    def from_db(cls, db, field_names, values):
        instance = super().from_db(db, field_names, values)
        instance.loaded_values = {}
        instance.keep_values(cls.kept_fields)
        return instance

    def keep_values(self, names):
        # A deferred field was neither loaded nor written: its stored value is unknown here.
        deferred = self.get_deferred_fields()
        self.loaded_values.update({name: getattr(self, name) for name in names if name not in deferred})

    def refresh_from_db(self, using=None, fields=None, from_queryset=None):
        super().refresh_from_db(using=using, fields=fields, from_queryset=from_queryset)
        # What was just read is what is stored now: a later save compares with that, not the first load.
        self.loaded_values = getattr(self, "loaded_values", {})
        self.keep_values(self.kept_fields if fields is None else set(self.kept_fields) & set(fields))

    def save(self, *args, **kwargs):
        if not hasattr(self, "loaded_values") or self.pk is None:
            # Without a primary key it is a new row (a copy of a loaded one, say): it had no stored values.
            self.loaded_values = {}
        missing = [name for name in self.kept_fields if name not in self.loaded_values]
        if missing and self.pk is not None:
            # Made with its primary key, or a kept field deferred when loaded:
            # the stored row, if there is one, is the only source of its values.
            self.loaded_values.update(type(self).objects.filter(pk=self.pk).values(*missing).first() or {})
        super().save(*args, **kwargs)
        update_fields = kwargs.get("update_fields")
        self.keep_values(self.kept_fields if update_fields is None else set(self.kept_fields) & set(update_fields))

    def loaded_value(self, name):
        """The field's value in the database before this save; None for a row not there yet."""
        return getattr(self, "loaded_values", {}).get(name)
