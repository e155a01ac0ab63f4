"""Every sentence a person reads, in every language we speak, keyed by a stable name.

`text(key, lang, **values)` picks the language (falling back to English) and fills in `{values}`.
Error sentences are keyed `error.<code>` after `bot.search.errors.ErrorCode`: what happened, then
what to do.
"""

from __future__ import annotations

from bot.search.errors import ErrorCode, SearchError

EN: dict[str, str] = {
    "error.auth": "DashScope refused the bot's API key. The bot's operator must check "
    "DASHSCOPE_API_KEY (and that its region matches DASHSCOPE_BASE_URL).",
    "error.quota": "The bot's DashScope account is out of credit or quota. Tell the bot's "
    "operator; searches will work again once it is topped up.",
    "error.rate_limited": "DashScope is busy right now. Try again in a minute.",
    "error.access_denied": "The bot's DashScope key may not use this model. The bot's operator "
    "must check the key's permissions or DASHSCOPE_MODEL.",
    "error.model_not_found": "The configured model does not exist in this region. The bot's "
    "operator must check DASHSCOPE_MODEL.",
    "error.moderated": "DashScope's content check refused this image or the answer about it. "
    "Nothing more can be shown for it.",
    "error.bad_request": "DashScope refused the request. Try another image; if it keeps "
    "happening, tell the bot's operator.",
    "error.unavailable": "DashScope is unavailable right now. Try again in a few minutes.",
    "error.timeout": "The search took too long and was stopped. Try again later.",
    "error.interrupted": "The connection to DashScope broke before the answer was complete. "
    "What arrived is kept; search again for a full answer.",
    "error.incomplete": "The answer was cut short by the model ({detail}). What arrived is kept.",
    "error.protocol": "DashScope sent something the bot could not read. Try again; if it "
    "keeps happening, tell the bot's operator.",
    "error.cancelled": "The search was cancelled.",
    "error.bad_image": "DashScope could not use this image. Try another copy of it (a PNG or "
    "JPEG works best).",
    "error.not_an_image": "That is not an image the bot can read ({detail}). Send a PNG, JPEG, "
    "WebP or GIF.",
    "error.image_too_large": "That image is too large ({detail}). Send a smaller copy.",
    "error.image_too_small": "That image is too small to search: it must be at least 10×10 pixels.",
    "error.image_shape": "That image is too long and thin to search: its sides may differ by "
    "at most 200:1. Crop it first.",
    "error.unreachable": "The bot could not download that link ({detail}). Check that it opens "
    "in a browser, or upload the image instead.",
    "error.blocked_address": "That link points into a private network, which the bot never "
    "fetches. Upload the image instead.",
    "error.bad_link": "That is not an http(s) link to an image. Upload the image instead.",
    "error.question_too_long": "Your question is too long ({detail}). Shorten it and try again.",
    "cli.searching": "Searching…",
    "cli.search_call": "Image search {number} (image {image}, region {region})",
    "cli.hits": "{count} hits",
    "cli.no_hits": "no matching images found",
    "cli.unreadable": "the results of this search could not be read",
    "cli.answer": "Answer",
    "cli.usage": "{tokens} tokens (in {input} / out {output}), {searches} image searches, "
    "{elapsed:.1f} s, about {cost}",
    "cli.failed": "Search failed [{code}]: {message}",
}

ZH: dict[str, str] = {
    "error.auth": "DashScope 拒绝了机器人的 API 密钥。请机器人的管理员检查 DASHSCOPE_API_KEY"
    "（以及它的地域是否与 DASHSCOPE_BASE_URL 一致）。",
    "error.quota": "机器人的 DashScope 账户余额或额度已用完。请告知机器人的管理员，充值后即可"
    "恢复搜索。",
    "error.rate_limited": "DashScope 当前繁忙，请一分钟后再试。",
    "error.access_denied": "机器人的 DashScope 密钥无权使用该模型。请机器人的管理员检查密钥"
    "权限或 DASHSCOPE_MODEL。",
    "error.model_not_found": "所配置的模型在该地域不存在。请机器人的管理员检查 DASHSCOPE_MODEL。",
    "error.moderated": "DashScope 的内容审核拒绝了这张图片或相关回答，无法显示更多内容。",
    "error.bad_request": "DashScope 拒绝了该请求。请换一张图片试试；如果反复出现，请告知机器人"
    "的管理员。",
    "error.unavailable": "DashScope 暂时不可用，请几分钟后再试。",
    "error.timeout": "搜索耗时过长，已被停止。请稍后再试。",
    "error.interrupted": "与 DashScope 的连接在回答完成前中断。已收到的内容会保留；如需完整"
    "回答请重新搜索。",
    "error.incomplete": "模型提前结束了回答（{detail}）。已收到的内容会保留。",
    "error.protocol": "DashScope 返回了机器人无法读取的内容。请重试；如果反复出现，请告知"
    "机器人的管理员。",
    "error.cancelled": "搜索已取消。",
    "error.bad_image": "DashScope 无法使用这张图片。请换一个副本（PNG 或 JPEG 最佳）。",
    "error.not_an_image": "这不是机器人能读取的图片（{detail}）。请发送 PNG、JPEG、WebP 或 GIF。",
    "error.image_too_large": "图片太大（{detail}）。请发送较小的副本。",
    "error.image_too_small": "图片太小，无法搜索：至少需要 10×10 像素。",
    "error.image_shape": "图片过于细长，无法搜索：长宽比最多为 200:1。请先裁剪。",
    "error.unreachable": "机器人无法下载该链接（{detail}）。请确认它能在浏览器中打开，或直接"
    "上传图片。",
    "error.blocked_address": "该链接指向内部网络，机器人从不访问此类地址。请直接上传图片。",
    "error.bad_link": "这不是指向图片的 http(s) 链接。请直接上传图片。",
    "error.question_too_long": "问题太长（{detail}）。请缩短后重试。",
    "cli.searching": "正在搜索…",
    "cli.search_call": "图片搜索 {number}（图片 {image}，区域 {region}）",
    "cli.hits": "{count} 个结果",
    "cli.no_hits": "没有找到匹配的图片",
    "cli.unreadable": "无法读取这次搜索的结果",
    "cli.answer": "回答",
    "cli.usage": "{tokens} 个 token（输入 {input} / 输出 {output}），{searches} 次图片搜索，"
    "{elapsed:.1f} 秒，约 {cost}",
    "cli.failed": "搜索失败 [{code}]：{message}",
}

CATALOGUES: dict[str, dict[str, str]] = {"en": EN, "zh": ZH}


def language_of(locale: str | None) -> str:
    """A Discord locale ("zh-CN", "en-US", ...) or short code -> a catalogue we have."""
    if locale and locale.lower().startswith("zh"):
        return "zh"
    return "en"


def text(key: str, lang: str = "en", **values: object) -> str:
    catalogue = CATALOGUES.get(language_of(lang), EN)
    template = catalogue.get(key) or EN[key]
    return template.format(**values) if values else template


def error_text(error: SearchError, lang: str = "en") -> str:
    """The sentence for an error: what happened and what to do."""
    key = f"error.{error.code.value}"
    if key not in EN:  # a code added without a sentence still reads as something
        key = f"error.{ErrorCode.UNAVAILABLE.value}"
    return text(key, lang, detail=error.detail or error.code.value)
