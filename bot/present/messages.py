"""Every sentence a person reads, in every language we speak, keyed by a stable name.

`text(key, lang, **values)` picks the language (falling back to English) and fills in `{values}`.
Error sentences are keyed `error.<code>` after `bot.search.errors.ErrorCode`: what happened, then
what to do.
"""

from __future__ import annotations

from datetime import datetime

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
    "error.bot_stopped": "The bot was stopped or restarted while this search ran. What was "
    "found is kept; search again for a full answer.",
    "error.storage": "The bot's database is not answering, so it cannot check quotas. Nothing "
    "was spent; try again in a minute.",
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
    "status.queued": "⏳ Queued: {ahead} ahead of this search",
    "usage.tokens": "{tokens} tokens",
    "usage.searches": "{count} image searches",
    "usage.search_one": "1 image search",
    "button.previous": "Previous",
    "button.next": "Next",
    "button.export": "All hits (CSV)",
    "quota.cooldown": "You searched a moment ago; you can search again {when}.",
    "quota.member_quota": "You have used all your searches for today on this server; you can "
    "search again {when}.",
    "quota.guild_quota": "This server has used all its searches for today; searching opens "
    "again {when}.",
    "search.channel_not_allowed": "The moderators of this server use the bot only in {channels}.",
    "followup.title": "Ask a follow-up",
    "followup.label": "Your question",
    "followup.placeholder": "e.g. Who took this photo, and when was it first posted?",
    "followup.thread": "Follow-up: {question}",
    "followup.started": "Your follow-up continues in {thread}.",
    "followup.unavailable": "This search cannot be continued (it did not finish, or it is too "
    "old). Start a new search instead.",
    "report.sent": "The report of this search, ready for a moderation log.",
    "modlog.trace": "🔒 Private trace by {user} in {channel}",
    "button.cancel": "Cancel",
    "button.follow_up": "Ask a follow-up",
    "button.report": "Report",
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
    "admin.hit_one": "1 hit",
    "admin.hits": "{count} hits",
    "admin.search_one": "1 search",
    "admin.searches": "{count} searches",
    "admin.value.more": "…and {count} more",
    "admin.value.yes": "Yes",
    "admin.value.no": "No",
    "admin.value.none": "None",
    "admin.value.unlimited": "Unlimited",
    "admin.value.per_day": "{count} per day",
    "admin.value.seconds": "{seconds} s",
    "admin.value.off": "Off",
    "admin.value.days": "{days} days",
    "admin.value.default_emoji": "{emoji} (the bot's default)",
    "admin.value.everyone": "Everyone",
    "admin.value.all_channels": "All channels",
    "admin.value.auto_language": "Each person's Discord language",
    "admin.status.done": "done",
    "admin.status.failed": "failed",
    "admin.status.cancelled": "cancelled",
    "admin.status.interrupted": "interrupted",
    "admin.status.running": "running",
    "admin.entry.slash": "/search",
    "admin.entry.menu": "Search image",
    "admin.entry.trace": "Trace origin",
    "admin.entry.avatar": "Search avatar",
    "admin.entry.reaction": "reaction",
    "admin.entry.text": "text command",
    "admin.entry.follow_up": "follow-up",
    "admin.mode.source": "source",
    "admin.mode.similar": "similar",
    "admin.mode.product": "product",
    "admin.setting.reaction_emoji": "Reaction emoji",
    "admin.setting.reaction_role_ids": "Who may search by reacting",
    "admin.setting.channel_ids": "Channels where the bot answers",
    "admin.setting.default_mode": "Default mode",
    "admin.setting.language": "Answer language",
    "admin.setting.hits_per_page": "Hits per page",
    "admin.setting.hide_pictures": "Hide pictures outside age-restricted channels",
    "admin.setting.private_by_default": "Search image menu answers privately",
    "admin.setting.mod_log_channel_id": "Moderator log channel",
    "admin.setting.member_daily_quota": "Searches per member per day",
    "admin.setting.guild_daily_quota": "Searches per server per day",
    "admin.setting.member_cooldown_seconds": "Cooldown per member",
    "admin.setting.exempt_moderators": "Moderators skip limits",
    "admin.setting.retention_days": "Keep search history for",
    "admin.settings.title": "⚙️ Image search settings",
    "admin.settings.saved": "✅ Saved: {names}.",
    "admin.settings.footer": "Change one: /imagesearch settings with that option. 0 means "
    "unlimited for the daily searches.",
    "admin.settings.rejected": "Nothing was saved: {reason}.",
    "admin.need_manage_guild": "Only members with the Manage Server permission can do this.",
    "admin.need_manage_messages": "Only members with the Manage Messages permission can do this.",
    "admin.guild_only": "This works only in a server.",
    "admin.not_yours": "This button is for the person who asked.",
    "admin.history.title": "🕘 Search history",
    "admin.history.by": "by {member}",
    "admin.history.since": "in the last {days} days",
    "admin.history.empty": "No searches recorded.",
    "admin.history.page": "Page {page}/{pages}",
    "admin.history.source": "message",
    "admin.history.answer": "answer",
    "admin.history.open": "Open a search…",
    "admin.history.exported": "{searches} from this server's history, as a CSV file.",
    "admin.history.gone": "That search is no longer in this server's history.",
    "admin.button.export": "Export (CSV)",
    "admin.record.title": "Search {id}",
    "admin.record.hits_title": "**Matching images: {count}**",
    "admin.record.no_hits": "No matching images.",
    "admin.record.who": "Who, where",
    "admin.record.when": "When",
    "admin.record.how": "How",
    "admin.record.outcome": "Outcome",
    "admin.record.usage": "Usage",
    "admin.record.question": "Question",
    "admin.record.source": "Source message",
    "admin.record.answer_title": "Answer",
    "admin.record.no_answer": "(no answer)",
    "admin.usage.title": "📊 Usage in the last {days} days",
    "admin.usage.searches": "Searches",
    "admin.usage.image_searches": "Image searches",
    "admin.usage.tokens": "Tokens",
    "admin.usage.cost": "Estimated cost",
    "admin.usage.footer": "Cost estimated at ¥{price} per 1,000 image searches (tokens not "
    "included). Days are UTC.",
    "admin.usage.empty": "No searches in this period.",
    "admin.usage.members": "Top members",
    "admin.usage.per_day": "Per day",
    "admin.usage.line": "{image_searches} · {tokens} tokens · {cost}",
    "admin.forget.title": "Delete your search history here?",
    "admin.forget.confirm": "This deletes {searches} you made in this server from the bot's "
    "history. The messages in the channels stay.",
    "admin.forget.nothing": "The bot has no searches of yours recorded in this server.",
    "admin.forget.button": "Delete my searches",
    "admin.forget.keep": "Keep them",
    "admin.forget.done": "Deleted {searches} of yours from this server's history.",
    "admin.forget.kept": "Nothing was deleted.",
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
    "error.bot_stopped": "搜索进行中机器人被停止或重启。已找到的内容会保留；"
    "如需完整回答请重新搜索。",
    "error.storage": "机器人的数据库没有响应，无法检查配额。没有产生任何费用；请稍后再试。",
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
    "status.queued": "⏳ 排队中：前面还有 {ahead} 个搜索",
    "usage.tokens": "{tokens} 个 token",
    "usage.searches": "{count} 次图片搜索",
    "usage.search_one": "1 次图片搜索",
    "button.previous": "上一页",
    "button.next": "下一页",
    "button.export": "全部结果（CSV）",
    "quota.cooldown": "你刚刚搜索过；{when}可以再次搜索。",
    "quota.member_quota": "你今天在本服务器的搜索次数已用完；{when}可以再次搜索。",
    "quota.guild_quota": "本服务器今天的搜索次数已用完；{when}重新开放。",
    "search.channel_not_allowed": "本服务器的管理员只在 {channels} 中使用机器人。",
    "followup.title": "继续提问",
    "followup.label": "你的问题",
    "followup.placeholder": "例如：这张照片是谁拍的，最早发布于何时？",
    "followup.thread": "追问：{question}",
    "followup.started": "你的追问在 {thread} 中继续。",
    "followup.unavailable": "无法继续这个搜索（它没有完成，或已过期）。请重新搜索。",
    "report.sent": "这个搜索的报告，可直接用于管理日志。",
    "modlog.trace": "🔒 {user} 在 {channel} 的私密溯源",
    "button.cancel": "取消",
    "button.follow_up": "继续提问",
    "button.report": "报告",
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
    "admin.hit_one": "1 个结果",
    "admin.hits": "{count} 个结果",
    "admin.search_one": "1 次搜索",
    "admin.searches": "{count} 次搜索",
    "admin.value.more": "…还有 {count} 项",
    "admin.value.yes": "是",
    "admin.value.no": "否",
    "admin.value.none": "无",
    "admin.value.unlimited": "不限",
    "admin.value.per_day": "每天 {count} 次",
    "admin.value.seconds": "{seconds} 秒",
    "admin.value.off": "关闭",
    "admin.value.days": "{days} 天",
    "admin.value.default_emoji": "{emoji}（机器人默认）",
    "admin.value.everyone": "所有人",
    "admin.value.all_channels": "所有频道",
    "admin.value.auto_language": "跟随每个人的 Discord 语言",
    "admin.status.done": "完成",
    "admin.status.failed": "失败",
    "admin.status.cancelled": "已取消",
    "admin.status.interrupted": "中断",
    "admin.status.running": "进行中",
    "admin.entry.slash": "/search",
    "admin.entry.menu": "Search image 菜单",
    "admin.entry.trace": "Trace origin 菜单",
    "admin.entry.avatar": "Search avatar 菜单",
    "admin.entry.reaction": "表情回应",
    "admin.entry.text": "文字命令",
    "admin.entry.follow_up": "追问",
    "admin.mode.source": "来源",
    "admin.mode.similar": "相似",
    "admin.mode.product": "商品",
    "admin.setting.reaction_emoji": "触发表情",
    "admin.setting.reaction_role_ids": "谁可以用表情触发搜索",
    "admin.setting.channel_ids": "机器人回应的频道",
    "admin.setting.default_mode": "默认模式",
    "admin.setting.language": "回答语言",
    "admin.setting.hits_per_page": "每页结果数",
    "admin.setting.hide_pictures": "在非年龄限制频道隐藏图片",
    "admin.setting.private_by_default": "Search image 菜单私密回答",
    "admin.setting.mod_log_channel_id": "管理日志频道",
    "admin.setting.member_daily_quota": "每位成员每天的搜索次数",
    "admin.setting.guild_daily_quota": "本服务器每天的搜索次数",
    "admin.setting.member_cooldown_seconds": "成员冷却时间",
    "admin.setting.exempt_moderators": "管理员不受限制",
    "admin.setting.retention_days": "搜索记录保留",
    "admin.settings.title": "⚙️ 图片搜索设置",
    "admin.settings.saved": "✅ 已保存：{names}。",
    "admin.settings.footer": "修改：使用 /imagesearch settings 及对应选项。每日搜索次数填 0 "
    "表示不限。",
    "admin.settings.rejected": "没有保存任何更改：{reason}。",
    "admin.need_manage_guild": "只有拥有“管理服务器”权限的成员才能这样做。",
    "admin.need_manage_messages": "只有拥有“管理消息”权限的成员才能这样做。",
    "admin.guild_only": "此功能只能在服务器中使用。",
    "admin.not_yours": "这个按钮属于发起操作的人。",
    "admin.history.title": "🕘 搜索记录",
    "admin.history.by": "成员 {member}",
    "admin.history.since": "最近 {days} 天",
    "admin.history.empty": "没有搜索记录。",
    "admin.history.page": "第 {page}/{pages} 页",
    "admin.history.source": "原消息",
    "admin.history.answer": "回答",
    "admin.history.open": "打开一条搜索…",
    "admin.history.exported": "本服务器搜索记录中的 {searches}（CSV 文件）。",
    "admin.history.gone": "这条搜索已不在本服务器的记录中。",
    "admin.button.export": "导出（CSV）",
    "admin.record.title": "搜索 {id}",
    "admin.record.hits_title": "**匹配的图片：{count}**",
    "admin.record.no_hits": "没有匹配的图片。",
    "admin.record.who": "谁、在哪里",
    "admin.record.when": "时间",
    "admin.record.how": "方式",
    "admin.record.outcome": "结果",
    "admin.record.usage": "用量",
    "admin.record.question": "问题",
    "admin.record.source": "原消息",
    "admin.record.answer_title": "回答",
    "admin.record.no_answer": "（没有回答）",
    "admin.usage.title": "📊 最近 {days} 天的用量",
    "admin.usage.searches": "搜索",
    "admin.usage.image_searches": "图片搜索",
    "admin.usage.tokens": "Token",
    "admin.usage.cost": "估计费用",
    "admin.usage.footer": "费用按每 1000 次图片搜索 ¥{price} 估算（不含 token）。日期为 UTC。",
    "admin.usage.empty": "这段时间内没有搜索。",
    "admin.usage.members": "用量最多的成员",
    "admin.usage.per_day": "每天",
    "admin.usage.line": "{image_searches} · {tokens} 个 token · {cost}",
    "admin.forget.title": "删除你在这里的搜索记录？",
    "admin.forget.confirm": "这会从机器人的记录中删除你在本服务器的 {searches}。频道中的消息"
    "不受影响。",
    "admin.forget.nothing": "机器人没有记录你在本服务器的搜索。",
    "admin.forget.button": "删除我的搜索",
    "admin.forget.keep": "保留",
    "admin.forget.done": "已从本服务器的记录中删除你的 {searches}。",
    "admin.forget.kept": "没有删除任何内容。",
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


def counted(one: str, many: str, count: int, lang: str) -> str:
    """`count` of something, singular or plural: counted("usage.search_one", "usage.searches",
    3, "en") is "3 image searches"."""
    return text(one if count == 1 else many, lang, count=count)


def searches_text(count: int, lang: str) -> str:
    """'1 image search' / '3 image searches'."""
    return counted("usage.search_one", "usage.searches", count, lang)


def refusal_text(reason: str, retry_at: datetime, lang: str = "en") -> str:
    """Why a search was refused before it started, and when to try again (Discord shows the
    timestamp in the reader's own time zone)."""
    return text(f"quota.{reason}", lang, when=f"<t:{int(retry_at.timestamp())}:R>")
