"""Builds the Responses API request: the prompt for a mode and language, and the image part.

The `image_search` tool takes no options, and `tool_choice` does not force it: the only way to
steer the search is the text, so each mode's prompt asks for the search explicitly.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from bot.search.errors import ErrorCode, SearchError

MAX_QUESTION_CHARS = 1000


class Mode(StrEnum):
    SOURCE = "source"  # where the image first appeared, who made it
    SIMILAR = "similar"  # images in the same style
    PRODUCT = "product"  # the same item and where it is sold


# The languages we write prompts in; any other language is named in English in the prompt.
_PROMPTS: dict[str, dict[Mode, str]] = {
    "en": {
        Mode.SOURCE: (
            "Use the image_search tool to search the web for this image. From the results, "
            "work out where the image first appeared and who made it (artist, photographer, "
            "brand or account). Say how sure you are (high, medium or low) and why, citing the "
            "results by their number. If it looks edited, cropped or reposted, say so."
        ),
        Mode.SIMILAR: (
            "Use the image_search tool to search the web for this image. From the results, "
            "pick the images closest in style, subject and composition, and describe what they "
            "share. Cite the results by their number."
        ),
        Mode.PRODUCT: (
            "Use the image_search tool to search the web for this image. Identify the item it "
            "shows (brand, model, name) and where it is sold, with prices when the results "
            "show them. Say how sure you are and cite the results by their number."
        ),
    },
    "zh": {
        Mode.SOURCE: (
            "请使用 image_search 工具在网络上搜索这张图片。根据搜索结果，判断这张图片最早出现在"
            "哪里、由谁创作（画师、摄影师、品牌或账号）。说明你的把握程度（高、中、低）及理由，"
            "并用编号引用搜索结果。如果图片看起来经过编辑、裁剪或转载，请指出。"
        ),
        Mode.SIMILAR: (
            "请使用 image_search 工具在网络上搜索这张图片。从结果中挑出风格、主题和构图最接近的"
            "图片，并说明它们的共同点。请用编号引用搜索结果。"
        ),
        Mode.PRODUCT: (
            "请使用 image_search 工具在网络上搜索这张图片。识别图中的商品（品牌、型号、名称）"
            "以及在哪里有售，结果中有价格时请列出。说明你的把握程度，并用编号引用搜索结果。"
        ),
    },
}
_QUESTION_LEAD = {"en": "The person also asks:", "zh": "用户还问："}
_ANSWER_IN = {"en": "Answer in {name}.", "zh": "请用{name}回答。"}
# Discord locale (or a short code) -> the language's own name, used in "Answer in ...".
_LANGUAGE_NAMES = {
    "en": "English",
    "zh": "简体中文",
    "zh-CN": "简体中文",
    "zh-TW": "繁體中文",
    "ja": "日本語",
    "ko": "한국어",
    "fr": "français",
    "de": "Deutsch",
    "es-ES": "español",
    "pt-BR": "português",
    "ru": "русский",
}


@dataclass(frozen=True, slots=True)
class SearchRequest:
    image_url: str  # a data: URL (normally) or an http(s) URL
    mode: Mode = Mode.SOURCE
    question: str = ""
    language: str = "en"  # a Discord locale such as "en-US", "zh-CN", or a short code
    previous_response_id: str | None = None  # a follow-up in the same conversation


def clean_question(question: str) -> str:
    """Strip control and zero-width characters; refuse what is too long to be a question."""
    kept = "".join(
        ch for ch in question if ch in "\n\t" or unicodedata.category(ch) not in ("Cc", "Cf")
    ).strip()
    if len(kept) > MAX_QUESTION_CHARS:
        raise SearchError(
            ErrorCode.QUESTION_TOO_LONG,
            f"{len(kept)} characters, at most {MAX_QUESTION_CHARS}",
        )
    return kept


def build_prompt(mode: Mode, question: str, language: str) -> str:
    base = "zh" if language.lower().startswith("zh") else "en"
    parts = [_PROMPTS[base][mode]]
    question = clean_question(question)
    if question:
        parts.append(f"{_QUESTION_LEAD[base]}\n{question}")
    name = _LANGUAGE_NAMES.get(language) or _LANGUAGE_NAMES.get(language.split("-")[0], "English")
    parts.append(_ANSWER_IN[base].format(name=name))
    return "\n\n".join(parts)


def build_params(request: SearchRequest, *, model: str, thinking: bool) -> dict[str, Any]:
    """Keyword arguments for `client.responses.create`.

    A follow-up (`previous_response_id` and no image) sends only the person's question: the
    conversation, image and results included, is kept by DashScope.
    """
    if request.image_url:
        text = build_prompt(request.mode, request.question, request.language)
        content: list[dict[str, str]] = [
            {"type": "input_text", "text": text},
            {"type": "input_image", "image_url": request.image_url},
        ]
    else:
        content = [{"type": "input_text", "text": clean_question(request.question)}]
    params: dict[str, Any] = {
        "model": model,
        "input": [{"role": "user", "content": content}],
        "tools": [{"type": "image_search"}],
        "stream": True,
        "extra_body": {"enable_thinking": thinking},
    }
    if request.previous_response_id:
        params["previous_response_id"] = request.previous_response_id
    return params
