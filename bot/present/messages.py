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
    "results.title": "🔎 Found {count} matching images",
    "results.title_numbered": "🔎 Search {number} of {calls}: {count} matching images",
    "results.untitled": "(untitled)",
    "results.unreadable": "The results of this search could not be read.",
    "results.none": "No matching images were found on the web.",
    "results.page": "Page {page}/{pages}",
    "results.region": "searched region {region}",
    "answer.streaming": "✍️ Answer (writing…)",
    "answer.done": "✅ Answer",
    "answer.cancelled": "⏹️ Cancelled",
    "answer.failed": "⚠️ Answer cut off",
    "answer.continued": "✍️ Answer (continued)",
    "answer.moved_title": "⏩ Continued in the channel",
    "answer.moved": "This answer ran longer than Discord lets a reply be edited, so it goes on "
    "in a new message: {link}",
    "status.pending": "🔎 Sending the image to the search…",
    "status.thinking": "🧠 Looking at the image…",
    "status.searching": "🔎 Searching the web for matching images…",
    "status.reading": "🧠 Reading the results…",
    "usage.tokens": "{tokens} tokens",
    "usage.searches": "{count} image searches",
    "usage.search_one": "1 image search",
    "button.previous": "Previous",
    "button.next": "Next",
    "button.export": "All hits (CSV)",
    "button.cancel": "Cancel",
    "search.need_image": "Attach an image (the `image` option) or give a link to one (the "
    "`url` option).",
    "search.need_image_text": "Attach an image, add a link after the command, or reply to a "
    "message that holds an image: `{prefix}search [source|similar|product] [link] [question]`.",
    "search.no_image_in_message": "That message holds no image I can search (attachments, "
    "link previews, stickers, custom emoji or image links).",
    "search.intent_missing": "I can't see the images in that message: the bot does not have "
    "Discord's Message Content intent. The bot's operator can enable it in the Discord "
    "developer portal (Applications → the bot → Bot → Privileged Gateway Intents → Message "
    "Content). Until then, use Apps → Search image on the message, or /search.",
    "search.pick": "That message holds {count} images. Which one should I search?",
    "search.pick_placeholder": "Choose an image",
    "search.more_images": "Searched the first of its images; {count} more in that message (use "
    "Apps → Search image to pick another).",
    "search.expired": "This search is no longer available. Run it again.",
    "search.export": "All {count} hits of this search, as a CSV file.",
    "search.not_yours": "Only the person who started this search (or a moderator) can do that.",
    "search.synced": "App commands registered again.",
    "cli.searching": "Searching…",
    "cli.search_call": "Image search {number} (image {image}, region {region})",
    "cli.hits": "{count} hits",
    "cli.no_hits": "no matching images found",
    "cli.unreadable": "the results of this search could not be read",
    "cli.answer": "Answer",
    "cli.usage": "{tokens} tokens (in {input} / out {output}), {searches}, "
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
    "results.title": "🔎 找到 {count} 张匹配的图片",
    "results.title_numbered": "🔎 第 {number}/{calls} 次搜索：{count} 张匹配的图片",
    "results.untitled": "（无标题）",
    "results.unreadable": "无法读取这次搜索的结果。",
    "results.none": "网络上没有找到匹配的图片。",
    "results.page": "第 {page}/{pages} 页",
    "results.region": "搜索区域 {region}",
    "answer.streaming": "✍️ 回答（生成中…）",
    "answer.done": "✅ 回答",
    "answer.cancelled": "⏹️ 已取消",
    "answer.failed": "⚠️ 回答中断",
    "answer.continued": "✍️ 回答（续）",
    "answer.moved_title": "⏩ 已移至频道中继续",
    "answer.moved": "这个回答超过了 Discord 允许编辑回复的时长，将在新消息中继续：{link}",
    "status.pending": "🔎 正在发送图片…",
    "status.thinking": "🧠 正在查看图片…",
    "status.searching": "🔎 正在网络上搜索匹配的图片…",
    "status.reading": "🧠 正在阅读搜索结果…",
    "usage.tokens": "{tokens} 个 token",
    "usage.searches": "{count} 次图片搜索",
    "usage.search_one": "1 次图片搜索",
    "button.previous": "上一页",
    "button.next": "下一页",
    "button.export": "全部结果（CSV）",
    "button.cancel": "取消",
    "search.need_image": "请附上一张图片（`image` 选项）或提供图片链接（`url` 选项）。",
    "search.need_image_text": "请附上图片、在命令后加上链接，或回复一条含有图片的消息："
    "`{prefix}search [source|similar|product] [链接] [问题]`。",
    "search.no_image_in_message": "该消息中没有可以搜索的图片（附件、链接预览、贴纸、自定义"
    "表情或图片链接）。",
    "search.intent_missing": "我看不到该消息中的图片：机器人没有 Discord 的 Message Content "
    "权限。机器人的管理员可以在 Discord 开发者门户中开启（Applications → 机器人 → Bot → "
    "Privileged Gateway Intents → Message Content）。在此之前，请对该消息使用 Apps → "
    "Search image，或使用 /search。",
    "search.pick": "该消息中有 {count} 张图片。要搜索哪一张？",
    "search.pick_placeholder": "选择一张图片",
    "search.more_images": "已搜索其中第一张图片；该消息中还有 {count} 张（使用 Apps → Search "
    "image 选择其他图片）。",
    "search.expired": "这次搜索已不可用，请重新搜索。",
    "search.export": "这次搜索的全部 {count} 个结果（CSV 文件）。",
    "search.not_yours": "只有发起这次搜索的人（或管理员）可以这样做。",
    "search.synced": "已重新注册应用命令。",
    "cli.searching": "正在搜索…",
    "cli.search_call": "图片搜索 {number}（图片 {image}，区域 {region}）",
    "cli.hits": "{count} 个结果",
    "cli.no_hits": "没有找到匹配的图片",
    "cli.unreadable": "无法读取这次搜索的结果",
    "cli.answer": "回答",
    "cli.usage": "{tokens} 个 token（输入 {input} / 输出 {output}），{searches}，"
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


def searches_text(count: int, lang: str) -> str:
    """'1 image search' / '3 image searches'."""
    return text("usage.search_one" if count == 1 else "usage.searches", lang, count=count)
