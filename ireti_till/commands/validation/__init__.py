"""The staging checklist behind ``ireti-till validate`` (see ``case.py`` and ``categories/``)."""
