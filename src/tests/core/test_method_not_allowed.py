"""A form's address opened by hand (a GET to a POST-only view) shows a page in Chinese, not a blank 405."""
import pytest

pytestmark = pytest.mark.django_db


def test_a_citizen_form_address_opened_by_hand_says_what_to_do(client):
    response = client.get("/c/any-campaign/vote/sms/", HTTP_ACCEPT_LANGUAGE="en")
    html = response.content.decode()
    assert response.status_code == 405 and response["Allow"] == "POST"
    assert "不能直接打开" in html and "返回首页" in html


def test_a_console_form_address_opened_by_hand_leads_back_to_the_console(client, django_user_model):
    client.force_login(django_user_model.objects.create_superuser("editor-405", "e405@example.com", "pw"))
    response = client.get("/console/voting/decide/", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.status_code == 405 and response["Allow"] == "POST"
    assert "不能直接打开" in response.content.decode() and "返回编辑后台" in response.content.decode()

