from django.apps import AppConfig


class WechatChannelConfig(AppConfig):
    name = "xuanshu.intake.channels.wechat"
    label = "wechat"
    verbose_name = "WeChat official account channel"
