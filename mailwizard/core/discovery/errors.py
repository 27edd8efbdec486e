"""How a discovery step ends without a result (kept apart so that a preset answer loads no
network module)."""


class Stopped(Exception):
    """The run was cancelled or ran out of time."""


class StepFailed(Exception):
    """A step gave nothing usable; the message says why (for IT, under Details)."""
