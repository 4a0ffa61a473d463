"""The message server: `/intake/wechat/<slug>/`. Thin: check, store raw, answer within WeChat's five seconds."""
import logging

from django.http import HttpResponse, HttpResponseNotAllowed
from django.views.decorators.csrf import csrf_exempt

from xuanshu.core.ratelimit import client_ip
from xuanshu.intake.channels.wechat import conf
from xuanshu.intake.channels.wechat.protocol import (
    Refused,
    Undecryptable,
    check_declared_length,
    open_envelope,
    read_body,
    render_reply,
    verify_signature,
)
from xuanshu.intake.channels.wechat.replies import NO_REPLY, reply_text, reply_xml
from xuanshu.intake.channels.wechat.selectors import account_for_callback
from xuanshu.intake.channels.wechat.services import keep_undecryptable_message, receive_wechat_message

logger = logging.getLogger("xuanshu.intake.wechat")


@csrf_exempt  # WeChat's servers sign with the token instead
def callback(request, slug):
    if request.method not in ("GET", "POST"):
        return HttpResponseNotAllowed(["GET", "POST"])
    account = account_for_callback(slug)
    query = request.GET
    try:
        if request.method == "POST":
            check_declared_length(request)
        verify_signature(account, query)
        if request.method == "GET":
            # URL verification. For an official account the echostr comes back as sent in every mode,
            # safe mode included (Tencent's 接入指南; wechatpy's WeChatCrypto has no echostr check for it).
            if "echostr" not in query:
                raise Refused(400, "echostr missing")
            return HttpResponse(query["echostr"], content_type="text/plain; charset=utf-8")
        body = read_body(request)
        try:
            envelope = open_envelope(account, query, body)
        except Undecryptable as error:
            keep_undecryptable_message(account=account, raw_body=body, query=query, reason=str(error))
            return HttpResponse(NO_REPLY, content_type="text/plain")
    except Refused as refusal:
        logger.warning("wechat %s: refused %s from %s: %s (%s)", slug, request.method, client_ip(request), refusal.reason, refusal.status)
        return HttpResponse(status=refusal.status)
    receipt = receive_wechat_message(account=account, envelope=envelope, raw_body=body, query=query)
    text = reply_text(account=account, envelope=envelope, receipt=receipt, site=conf.public_base_url(request, account.campaign))
    if text is None:
        return HttpResponse(NO_REPLY, content_type="text/plain")
    return HttpResponse(render_reply(envelope, account, reply_xml(envelope, text), query), content_type="application/xml; charset=utf-8")
