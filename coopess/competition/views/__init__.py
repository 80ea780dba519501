"""The competition's pages: ``officer`` (directory, terms of reference, sending, comparison,
choice, letters) and ``provider`` (what a consulted provider reaches by its secret link)."""
