from django.contrib import admin

from xuanshu.intake.channels.wechat.models import WechatAccount


@admin.register(WechatAccount)
class WechatAccountAdmin(admin.ModelAdmin):
    """Read-only: accounts are set with `python -m xuanshu wechat-account set`, which validates and audits."""

    list_display = ["slug", "appid", "campaign", "max_skew_seconds", "follow_up_minutes", "secret_env"]
    exclude = ["token", "encoding_aes_key", "previous_encoding_aes_key"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
