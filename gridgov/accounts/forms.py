from django import forms
from django.contrib.auth import authenticate
from django.contrib.auth.forms import SetPasswordForm
from django.contrib.auth.password_validation import validate_password
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from gridgov.accounts.actions import record_failed_sign_in
from gridgov.accounts.choices import Role
from gridgov.accounts.models import User
from gridgov.accounts.throttle import throttled_minutes
from gridgov.places.models import Place


class LoginForm(forms.Form):
    """Username and password. Every failure answers the same, whether the username exists or not."""

    username = forms.CharField(label=_("用户名"), max_length=150)
    password = forms.CharField(label=_("密码"), widget=forms.PasswordInput)

    def __init__(self, request=None, *args, **kwargs):
        self.request = request
        self.user = None
        self.throttled = False
        super().__init__(*args, **kwargs)

    def clean(self):
        username = self.cleaned_data.get("username", "")
        password = self.cleaned_data.get("password", "")
        if not username or not password:
            return self.cleaned_data
        user = authenticate(self.request, username=username, password=password)
        if user is not None:
            self.user = user
            return self.cleaned_data
        self.throttled = bool(getattr(self.request, "axes_locked_out", False))
        # Refused before the password was checked: axes counted nothing for this try.
        refused = self.throttled and getattr(self.request, "axes_failures_since_start", None) is None
        record_failed_sign_in(username, reason="throttled" if refused else "password")
        if self.throttled:
            raise forms.ValidationError(throttled_message(self.request), code="throttled")
        raise forms.ValidationError(_("用户名或密码错误"), code="invalid_login")


def throttled_message(request) -> str:
    return gettext("登录失败次数过多，请%(minutes)d分钟后再试；忘记密码请联系系统管理员重置") % {
        "minutes": throttled_minutes(request)
    }


class CodeForm(forms.Form):
    code = forms.CharField(
        label=_("动态码或恢复码"),
        max_length=32,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "text", "autofocus": True}),
    )


class EnrolForm(forms.Form):
    code = forms.RegexField(
        label=_("验证器显示的6位动态码"),
        regex=r"^\s*\d{6}\s*$",
        max_length=12,
        error_messages={"invalid": _("请输入验证器显示的6位数字")},
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}),
    )


class ActivationForm(SetPasswordForm):
    """The owner's first sign-in: the security administrator's activation code, and the owner's own password.

    The passwords are validated first (strength, username, history); the code is checked only then, by
    `actions.activate_account`, so a wrong code is counted once per real try.
    """

    code = forms.RegexField(
        label=_("激活码"),
        regex=r"^[\s-]*([0-9][\s-]*){12}$",
        max_length=32,
        help_text=_("安全管理员当面或电话告知您的12位数字"),
        error_messages={"invalid": _("激活码为12位数字")},
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}),
    )
    field_order = ["code", "new_password1", "new_password2"]


class PasswordResetForm(forms.Form):
    """The system administrator's temporary password; the owner must change it at the next sign-in."""

    password = forms.CharField(label=_("临时密码"), widget=forms.PasswordInput)

    def __init__(self, account, *args, **kwargs):
        self.account = account
        super().__init__(*args, **kwargs)

    def clean_password(self):
        password = self.cleaned_data["password"]
        validate_password(password, self.account)
        return password


class AccountCreateForm(forms.Form):
    username = forms.RegexField(
        label=_("用户名"),
        regex=r"^[A-Za-z0-9_.-]{3,150}$",
        max_length=150,
        error_messages={"invalid": _("用户名只能包含字母、数字和 _ . -，至少3位")},
    )
    display_name = forms.CharField(label=_("姓名"), max_length=50)
    password = forms.CharField(label=_("初始密码"), widget=forms.PasswordInput)

    def clean(self):
        cleaned = super().clean()
        password, username = cleaned.get("password"), cleaned.get("username")
        if password and username:
            try:
                validate_password(password, User(username=username))
            except forms.ValidationError as exc:
                self.add_error("password", exc)
        return cleaned


class GrantForm(forms.Form):
    role = forms.ChoiceField(label=_("角色"), choices=[("", _("（无）"))] + list(Role.choices), required=False)
    place_code = forms.CharField(label=_("地域代码"), max_length=24, required=False)
    may_reveal_pii = forms.BooleanField(label=_("可查看完整身份证号和电话"), required=False)
    may_view_key_population = forms.BooleanField(label=_("可查看重点人群"), required=False)

    def clean_place_code(self):
        code = self.cleaned_data["place_code"].strip()
        if not code:
            return None
        place = Place.objects.filter(code=code).first()
        if place is None:
            raise forms.ValidationError(_("地域代码 %(code)s 不存在") % {"code": code})
        return place
