from django import forms
from django.contrib.auth import authenticate
from django.contrib.auth.password_validation import validate_password
from django.utils.translation import gettext_lazy as _

from gridgov.accounts.actions import record_failed_login
from gridgov.accounts.choices import Role
from gridgov.accounts.models import User
from gridgov.places.models import Place


class LoginForm(forms.Form):
    username = forms.CharField(label=_("用户名"), max_length=150)
    password = forms.CharField(label=_("密码"), widget=forms.PasswordInput)

    def __init__(self, request=None, *args, **kwargs):
        self.request = request
        self.user = None
        super().__init__(*args, **kwargs)

    def clean(self):
        username = self.cleaned_data.get("username", "")
        password = self.cleaned_data.get("password", "")
        if not username or not password:
            return self.cleaned_data
        existing = User.objects.filter(username=username).first()
        if existing is not None and existing.is_locked:
            raise forms.ValidationError(
                _("连续登录失败次数过多，账号已锁定，请稍后再试或联系系统管理员"), code="locked"
            )
        user = authenticate(self.request, username=username, password=password)
        if user is None:
            locked = record_failed_login(username)
            if locked is not None and locked.is_locked:
                raise forms.ValidationError(_("连续登录失败次数过多，账号已锁定30分钟"), code="locked")
            raise forms.ValidationError(_("用户名或密码错误"), code="invalid_login")
        self.user = user
        return self.cleaned_data


class AccountCreateForm(forms.Form):
    username = forms.RegexField(
        label=_("用户名"),
        regex=r"^[A-Za-z0-9_.-]{3,150}$",
        max_length=150,
        error_messages={"invalid": _("用户名只能包含字母、数字和 _ . -，至少3位")},
    )
    display_name = forms.CharField(label=_("姓名"), max_length=50)
    password = forms.CharField(label=_("初始密码"), widget=forms.PasswordInput)

    def clean_password(self):
        password = self.cleaned_data["password"]
        validate_password(password)
        return password


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
