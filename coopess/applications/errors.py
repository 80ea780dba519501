"""The refusals of the application workflow, explained in French to whoever asked."""


class ApplicationError(Exception):
    """A refusal explained to the person who asked, in French (``message``)."""

    def __init__(self, message: str):
        self.message = message
        super().__init__(message)
