"""Domain exceptions and warnings, in one place (as lifelines does).

Every error raised on purpose by workbench derives from :class:`WorkbenchError`, so callers
(the CLI, the report runner) can show its message without a traceback.
"""


class WorkbenchError(Exception):
    """Base class of workbench's own errors; the message says how to fix the call."""


class ParamsError(WorkbenchError, ValueError):
    """A params YAML or a parameter value is wrong; the message names the key."""


class DataError(WorkbenchError, ValueError):
    """Input data cannot be used; the message names the source, the column, a count and example rows."""


class NotFittedError(WorkbenchError, AttributeError):
    """A model or segmenter was used before ``fit``."""


class ConvergenceError(WorkbenchError, RuntimeError):
    """An optimiser did not converge; the message suggests what to try."""


class NotApplicableError(WorkbenchError, ValueError):
    """A method does not apply to these data (e.g. spend or revenue tiers on a log without
    amounts); reports show the method as not fitted, with this message as the reason."""


class ReportError(WorkbenchError, RuntimeError):
    """A report run failed; the message names the notebook and the failing cell."""


class StatisticalWarning(UserWarning):
    """A result is computed but a statistical assumption looks violated."""
