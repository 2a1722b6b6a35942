"""The one exception type the tool raises for problems a user can fix."""


class AotWheelError(Exception):
    """A build problem with a message that names the thing at fault (file, method, parameter, type)."""
