"""One module per validation category: ``CATEGORY`` and ``CASES`` (see ``validation.case``)."""
