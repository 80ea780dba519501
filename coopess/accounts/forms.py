from allauth.account.forms import LoginForm


class PasswordLoginForm(LoginForm):
    """Sign-in by email and password, for staff.

    Representatives sign up without a password (they sign in by code), which makes allauth drop
    the password field from its sign-in form altogether; staff still need it.
    """

    def _setup_password_field(self) -> None:
        self.fields["password"].help_text = ""
