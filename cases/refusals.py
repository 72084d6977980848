"""The one kind of "no" the portal's services give a user.

A service that a rule of the campaign forbids to act raises a subclass of `Refused` whose message
is for the person in front of the screen: in Chinese, saying what is wrong and what to do. Views
catch `Refused` (see `portal.actions.perform`) and show that message; anything else is a bug and
reaches the error page.
"""


class Refused(Exception):
    """An action a rule of the campaign does not allow now; str() is the user's message."""
