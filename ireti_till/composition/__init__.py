"""The composition root: the only package that knows every concrete class.

``compose.compose()`` builds a typed, frozen ``till.Till`` in explicit phases (see
``compose``); ``tricks`` holds every start-up trick with the figure that earns it.
``ireti_till.app`` (the till process) and ``ireti_till.commands`` call in here; nothing in
here imports a command.
"""
