import pytest
from django.urls import reverse

from portal.demo import DEMO_PASSWORD
from cases.enums import Role
from tests import factories

pytestmark = pytest.mark.django_db


def test_sign_in_page_is_chinese_and_hides_demo_passwords_outside_demo_mode(client, settings):
    settings.DEMO_MODE = False
    page = client.get(reverse("login")).content.decode()
    assert "<h1>登录</h1>" in page
    assert DEMO_PASSWORD not in page
    assert "演示账号" not in page


def test_demo_mode_lists_the_demo_accounts_with_their_password(client, settings):
    from django.core.management import call_command

    settings.DEMO_MODE = True
    call_command("seed_demo", stdout=open("/dev/null", "w"))
    page = client.get(reverse("login")).content.decode()
    assert DEMO_PASSWORD in page
    for username, role in (("qiye", "企业用户"), ("shiji", "市科协工作人员"), ("shengji", "省级工作人员")):
        assert f"<code>{username}</code>" in page
        assert role in page


def test_good_credentials_sign_in_and_land_on_the_workbench(client):
    factories.user(Role.CITY_STAFF, organisation_=factories.city(), username="city1")
    response = client.post(reverse("login"), {"username": "city1", "password": factories.PASSWORD}, follow=True)
    assert response.redirect_chain[-1][0] == reverse("home")
    assert "<h1 class=\"page-title\">工作台</h1>" in response.content.decode()


def test_repeated_failures_lock_the_account_even_for_the_right_password(client, settings):
    factories.user(Role.COUNTY_STAFF, organisation_=factories.county(), username="county1")
    for attempt in range(settings.AXES_FAILURE_LIMIT - 1):
        response = client.post(reverse("login"), {"username": "county1", "password": "wrong-password"})
        assert "请输入一个正确的 用户名 和密码" in response.content.decode().replace("\n", "") or response.status_code == 200
    locked = client.post(reverse("login"), {"username": "county1", "password": "wrong-password"})
    assert locked.status_code == 429
    assert "登录已锁定" in locked.content.decode()
    again = client.post(reverse("login"), {"username": "county1", "password": factories.PASSWORD})
    assert again.status_code == 429
    assert "_auth_user_id" not in client.session


def test_workbench_requires_sign_in(client):
    response = client.get(reverse("home"))
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('login')}?next=/"


def test_password_change_applies_django_validators(client):
    user = factories.user(Role.ENTERPRISE_USER, enterprise_=factories.enterprise())
    client.force_login(user)
    response = client.post(
        reverse("password_change"),
        {"old_password": factories.PASSWORD, "new_password1": "12345678", "new_password2": "12345678"},
    )
    page = response.content.decode()
    assert "密码太短：至少需要 10 个字符。" in page
    assert "这个密码太常见了" in page
    user.refresh_from_db()
    assert user.check_password(factories.PASSWORD)
