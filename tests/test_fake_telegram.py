"""The fake Bot API server answers the real aiogram Bot the way Telegram does."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable

import aiohttp
import pytest
from aiogram import Bot
from aiogram.client.default import DefaultBotProperties
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.exceptions import (
    TelegramBadRequest,
    TelegramForbiddenError,
    TelegramRetryAfter,
    TelegramServerError,
    TelegramUnauthorizedError,
)
from aiogram.types import (
    BotCommand,
    BotCommandScopeChat,
    BufferedInputFile,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    ReplyKeyboardMarkup,
    Update,
)
from aiogram.utils.text_decorations import html_decoration

from tests.fake_telegram import NOT_MODIFIED, FakeTelegram, UpdateFactory, parse_html
from tests.processes import free_port

TOKEN = "123456789:AAH-fake-server-self-test"
CHAT = 501


def make_bot(fake: FakeTelegram, token: str = TOKEN) -> Bot:
    session = AiohttpSession(api=TelegramAPIServer.from_base(fake.base_url))
    return Bot(token, session=session, default=DefaultBotProperties(parse_mode="HTML"))


def keyboard(*data: str) -> InlineKeyboardMarkup:
    buttons = [InlineKeyboardButton(text=f"btn {d}", callback_data=d) for d in data]
    return InlineKeyboardMarkup(inline_keyboard=[buttons])


async def until(condition: Callable[[], bool], seconds: float = 5.0) -> None:
    """Wait for a condition on the fake's counters, which have no event to await."""
    for _ in range(int(seconds / 0.01)):
        if condition():
            return
        await asyncio.sleep(0.01)
    raise AssertionError("condition not met in time")


@pytest.fixture
async def fake() -> AsyncIterator[FakeTelegram]:
    server = FakeTelegram(TOKEN, username="fake_self_test_bot")
    await server.start()
    yield server
    await server.stop()


@pytest.fixture
async def bot(fake: FakeTelegram) -> AsyncIterator[Bot]:
    client = make_bot(fake)
    yield client
    await client.session.close()


async def test_get_me_describes_the_bot(bot: Bot) -> None:
    me = await bot.get_me()
    assert me.id == 123456789 and me.is_bot
    assert me.username == "fake_self_test_bot"


async def test_wrong_token_is_unauthorized(fake: FakeTelegram) -> None:
    stranger = make_bot(fake, token="42:not-the-right-token")
    try:
        with pytest.raises(TelegramUnauthorizedError, match="Unauthorized"):
            await stranger.get_me()
    finally:
        await stranger.session.close()
    assert fake.calls == []


async def test_unknown_method_and_json_body(fake: FakeTelegram) -> None:
    async with aiohttp.ClientSession() as http:
        url = f"{fake.base_url}/bot{TOKEN}"
        async with http.post(f"{url}/sendTelepathy", json={"chat_id": CHAT}) as resp:
            assert resp.status == 404
            assert await resp.json() == {
                "ok": False,
                "error_code": 404,
                "description": "Not Found: method not found",
            }
        body = {"chat_id": str(CHAT), "text": "<i>json</i>", "parse_mode": "HTML"}
        async with http.post(f"{url}/sendMessage", json=body) as resp:
            answer = await resp.json()
    assert answer["ok"] and answer["result"]["text"] == "json"
    assert fake.calls_of("sendMessage", chat_id=CHAT)[0].params["text"] == "<i>json</i>"


async def test_send_message_is_recorded_with_its_keyboard(bot: Bot, fake: FakeTelegram) -> None:
    sent = await bot.send_message(CHAT, "<b>Привет</b> &amp; 😀", reply_markup=keyboard("a", "b"))
    # aiogram parsed Telegram's answer: plain text, entities, the inline keyboard.
    assert sent.message_id == 1 and sent.chat.id == CHAT
    assert sent.text == "Привет & 😀"
    assert [(e.type, e.offset, e.length) for e in sent.entities or []] == [("bold", 0, 6)]
    assert sent.reply_markup is not None
    assert sent.reply_markup.model_dump() == keyboard("a", "b").model_dump()

    (call,) = fake.calls_of("sendMessage", chat_id=CHAT)
    assert call.ok and call.params["chat_id"] == CHAT
    assert call.params["reply_markup"]["inline_keyboard"][0][1]["callback_data"] == "b"

    stored = fake.last_message(CHAT)
    assert stored.text == "<b>Привет</b> &amp; 😀" and stored.parse_mode == "HTML"
    assert stored.plain_text() == "Привет & 😀"
    assert [b["callback_data"] for b in stored.buttons()] == ["a", "b"]


async def test_message_ids_count_per_chat(bot: Bot, fake: FakeTelegram) -> None:
    reply = ReplyKeyboardMarkup(keyboard=[[KeyboardButton(text="Да"), KeyboardButton(text="Нет")]])
    first = await bot.send_message(CHAT, "one", reply_markup=reply)
    second = await bot.send_message(CHAT, "two")
    other = await bot.send_message(CHAT + 1, "elsewhere")
    assert (first.message_id, second.message_id, other.message_id) == (1, 2, 1)
    assert first.reply_markup is None  # Telegram echoes only inline keyboards
    assert [b["text"] for b in fake.message(CHAT, 1).buttons()] == ["Да", "Нет"]
    assert [m.text for m in fake.messages(CHAT)] == ["one", "two"]


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("<b>x", 'Can\'t find end tag corresponding to start tag "b"'),
        ("a < b", 'Unsupported start tag "" at byte offset 2'),
        ("a & b", 'Character "&" must be escaped'),
        ("<script>x</script>", 'Unsupported start tag "script" at byte offset 0'),
        ("<b><i>x</b></i>", 'expected "</i>", found "</b>"'),
        ("x</b>", "Unexpected end tag at byte offset 1"),
        ('<span class="big">x</span>', 'must have class "tg-spoiler"'),
        ("&#0; zero", 'Character "&" must be escaped'),
    ],
)
async def test_invalid_html_is_refused(
    bot: Bot, fake: FakeTelegram, text: str, reason: str
) -> None:
    with pytest.raises(TelegramBadRequest, match="can't parse entities") as refused:
        await bot.send_message(CHAT, text)
    assert reason in refused.value.message
    assert fake.messages(CHAT) == []
    (call,) = fake.calls_of("sendMessage")
    assert not call.ok and call.error_code == 400


async def test_byte_offsets_count_utf8_bytes(bot: Bot) -> None:
    with pytest.raises(TelegramBadRequest, match='"x" at byte offset 14'):
        await bot.send_message(CHAT, "Привет, <x>")


async def test_valid_html_is_accepted(bot: Bot, fake: FakeTelegram) -> None:
    typed = "<b>Анна</b> & 😀 Ли"
    sent = await bot.send_message(CHAT, f"Имя: {html_decoration.quote(typed)}")
    assert sent.text == f"Имя: {typed}" and not sent.entities

    rich = (
        '<b>&lt;b&gt;</b> &amp; 😀 <a href="https://example.org/?a=1&amp;b=2">ссылка</a> '
        '<tg-spoiler>s</tg-spoiler> <span class="tg-spoiler">t</span> &#x41;&#66;&quot; '
        '<pre><code class="language-python">print(1)</code></pre> '
        "<blockquote expandable>q</blockquote> a > b"
    )
    sent = await bot.send_message(CHAT, rich)
    assert sent.text == '<b> & 😀 ссылка s t AB" print(1) q a > b'
    kinds = [(e.type, e.offset, e.length) for e in sent.entities or []]
    assert kinds == [
        ("bold", 0, 3),
        ("text_link", 9, 6),
        ("spoiler", 16, 1),
        ("spoiler", 18, 1),
        ("pre", 24, 8),
        ("expandable_blockquote", 33, 1),
    ]
    link, pre = (sent.entities or [])[1], (sent.entities or [])[4]
    assert link.url == "https://example.org/?a=1&b=2" and pre.language == "python"
    assert fake.last_message(CHAT).plain_text() == sent.text


async def test_lenient_html_like_real_telegram() -> None:
    assert parse_html("a & b", strict=False) == ("a & b", [])
    assert parse_html("x &nbsp y", strict=False)[0] == "x &nbsp y"
    with pytest.raises(ValueError, match="Unsupported start tag"):
        parse_html("a < b", strict=False)


async def test_text_length_is_counted_after_parsing_in_utf16(bot: Bot) -> None:
    with pytest.raises(TelegramBadRequest, match="message is too long"):
        await bot.send_message(CHAT, "a" * 4097)
    assert len((await bot.send_message(CHAT, "a" * 4096)).text or "") == 4096
    # Tags and entities do not count, the characters they stand for do.
    await bot.send_message(CHAT, "<b>" + "&amp;" * 4096 + "</b>")
    with pytest.raises(TelegramBadRequest, match="message is too long"):
        await bot.send_message(CHAT, "<b>" + "&amp;" * 4097 + "</b>")
    # 4096 Python characters, but the emoji is two UTF-16 code units.
    with pytest.raises(TelegramBadRequest, match="message is too long"):
        await bot.send_message(CHAT, "😀" + "a" * 4095)


async def test_empty_text_and_long_caption(bot: Bot) -> None:
    with pytest.raises(TelegramBadRequest, match="message text is empty"):
        await bot.send_message(CHAT, "  <b> </b>\n")
    document = BufferedInputFile(b"data", filename="a.txt")
    with pytest.raises(TelegramBadRequest, match="message caption is too long"):
        await bot.send_document(CHAT, document, caption="я" * 1025)


async def test_callback_data_is_limited_to_64_bytes(bot: Bot, fake: FakeTelegram) -> None:
    await bot.send_message(CHAT, "fits", reply_markup=keyboard("ы" * 32))  # 64 bytes
    with pytest.raises(TelegramBadRequest, match="BUTTON_DATA_INVALID"):
        await bot.send_message(CHAT, "too big", reply_markup=keyboard("x" * 65))
    with pytest.raises(TelegramBadRequest, match="BUTTON_DATA_INVALID"):
        await bot.send_message(CHAT, "33 letters", reply_markup=keyboard("ы" * 33))
    bare = InlineKeyboardMarkup(inline_keyboard=[[InlineKeyboardButton(text="no action")]])
    with pytest.raises(TelegramBadRequest, match="can't parse inline keyboard button"):
        await bot.send_message(CHAT, "bare", reply_markup=bare)
    assert [m.text for m in fake.messages(CHAT)] == ["fits"]


async def test_blocked_chat_is_forbidden(bot: Bot, fake: FakeTelegram) -> None:
    sent = await bot.send_message(CHAT, "before", reply_markup=keyboard("a"))
    fake.blocked_chats.add(CHAT)
    with pytest.raises(TelegramForbiddenError, match="bot was blocked by the user"):
        await bot.send_message(CHAT, "hello")
    with pytest.raises(TelegramForbiddenError):
        await bot.edit_message_text("after", chat_id=CHAT, message_id=sent.message_id)
    with pytest.raises(TelegramForbiddenError):
        await bot.copy_message(CHAT, from_chat_id=CHAT, message_id=sent.message_id)
    await bot.send_message(CHAT + 1, "others still work")
    assert [m.text for m in fake.messages(CHAT)] == ["before"]
    assert [c.ok for c in fake.calls_of("sendMessage")] == [True, False, True]


async def test_fail_next_injects_errors(bot: Bot, fake: FakeTelegram) -> None:
    fake.fail_next("sendMessage", retry_after=7, times=2)
    fake.fail_next("getMe", error_code=500, description="Internal Server Error")
    for _ in range(2):
        with pytest.raises(TelegramRetryAfter) as flood:
            await bot.send_message(CHAT, "hi")
        assert flood.value.retry_after == 7
        assert "Too Many Requests: retry after 7" in flood.value.message
    await bot.send_message(CHAT, "hi")  # the third one goes through
    with pytest.raises(TelegramServerError):
        await bot.get_me()
    await bot.get_me()
    assert [c.error_code for c in fake.calls_of("sendMessage")] == [429, 429, None]
    assert len(fake.messages(CHAT)) == 1


async def test_send_document_records_the_file(bot: Bot, fake: FakeTelegram) -> None:
    content = "Имя;Город\nАнна;Сочи\n".encode()
    sent = await bot.send_document(
        CHAT, BufferedInputFile(content, filename="список.csv"), caption="<b>Список</b>"
    )
    assert sent.document is not None and sent.document.file_name == "список.csv"
    assert sent.caption == "Список" and sent.document.file_size == len(content)

    stored = fake.last_message(CHAT)
    assert stored.document == ("список.csv", content)
    assert stored.plain_text() == "Список"
    (call,) = fake.calls_of("sendDocument", chat_id=CHAT)
    assert list(call.files.values()) == [("список.csv", content)]
    assert call.params["document"].startswith("attach://")

    # The bot can download what it sent, and send it again by file_id.
    file = await bot.get_file(sent.document.file_id)
    downloaded = await bot.download(file)
    assert downloaded is not None and downloaded.read() == content
    again = await bot.send_document(CHAT + 1, sent.document.file_id)
    assert fake.message(CHAT + 1, again.message_id).document == ("список.csv", content)
    with pytest.raises(TelegramBadRequest, match="wrong file identifier"):
        await bot.send_document(CHAT, "no-such-file-id")


async def test_my_commands_are_kept_per_scope_and_language(bot: Bot, fake: FakeTelegram) -> None:
    menu = [
        BotCommand(command="start", description="Начать"),
        BotCommand(command="help", description="Помощь"),
    ]
    await bot.set_my_commands(menu)
    await bot.set_my_commands(
        menu[:1], scope=BotCommandScopeChat(chat_id=CHAT), language_code="be"
    )
    assert fake.commands_for() == ["start", "help"]
    assert fake.commands_for(scope=f"chat:{CHAT}", language_code="be") == ["start"]
    assert fake.commands_for(scope=f"chat:{CHAT}") == []
    assert fake.commands[("default", "")][1] == {"command": "help", "description": "Помощь"}

    got = await bot.get_my_commands(scope=BotCommandScopeChat(chat_id=CHAT), language_code="be")
    assert [c.command for c in got] == ["start"]
    await bot.delete_my_commands(scope=BotCommandScopeChat(chat_id=CHAT), language_code="be")
    assert (f"chat:{CHAT}", "be") not in fake.commands
    with pytest.raises(TelegramBadRequest, match="BOT_COMMAND_INVALID"):
        await bot.set_my_commands([BotCommand(command="Старт", description="x")])


async def test_get_updates_long_polls_and_honours_offset(bot: Bot, fake: FakeTelegram) -> None:
    user = UpdateFactory(CHAT, first_name="Анна")
    poll = asyncio.create_task(bot.get_updates(timeout=10))
    await until(lambda: fake.get_updates_calls == 1)
    await asyncio.sleep(0.1)
    assert not poll.done()  # it waits for an update

    update_id = fake.add_update(user.message("/start invite_abc"))
    async with asyncio.timeout(2):
        (update,) = await poll
    assert update.update_id == update_id and update.message is not None
    assert update.message.text == "/start invite_abc"
    assert [(e.type, e.offset, e.length) for e in update.message.entities or []] == [
        ("bot_command", 0, 6)
    ]
    # Not confirmed yet: it comes again; an offset past it confirms it.
    assert [u.update_id for u in await bot.get_updates(timeout=0)] == [update_id]
    second = fake.add_update(user.message("привет"))
    assert [u.update_id for u in await bot.get_updates(offset=update_id + 1)] == [second]
    assert await bot.get_updates(offset=second + 1, timeout=0) == []
    assert fake.calls == []  # polls are counted, not recorded
    assert fake.get_updates_calls == 4


async def test_get_updates_times_out_and_stop_releases_it(bot: Bot, fake: FakeTelegram) -> None:
    loop = asyncio.get_running_loop()
    started = loop.time()
    assert await bot.get_updates(timeout=1) == []
    assert 0.9 < loop.time() - started < 3

    poll = asyncio.create_task(bot.get_updates(timeout=30))
    await until(lambda: fake.get_updates_calls == 2)
    started = loop.time()
    await fake.stop()
    async with asyncio.timeout(3):
        assert await poll == []
    assert loop.time() - started < 2


async def test_edit_message_text(bot: Bot, fake: FakeTelegram) -> None:
    sent = await bot.send_message(CHAT, "<b>Шаг 1</b>", reply_markup=keyboard("next"))
    with pytest.raises(TelegramBadRequest, match="message is not modified") as same:
        await bot.edit_message_text(
            "<b>Шаг 1</b>", chat_id=CHAT, message_id=sent.message_id, reply_markup=keyboard("next")
        )
    assert same.value.message == NOT_MODIFIED
    # Same look written differently is still "not modified": Telegram compares the result.
    with pytest.raises(TelegramBadRequest, match="message is not modified"):
        await bot.edit_message_text(
            "<strong>Шаг 1</strong>",
            chat_id=CHAT,
            message_id=sent.message_id,
            reply_markup=keyboard("next"),
        )

    edited = await bot.edit_message_text(
        "<b>Шаг 2</b>", chat_id=CHAT, message_id=sent.message_id, reply_markup=keyboard("back")
    )
    assert not isinstance(edited, bool) and edited.text == "Шаг 2"
    stored = fake.message(CHAT, sent.message_id)
    assert stored.plain_text() == "Шаг 2" and stored.buttons()[0]["callback_data"] == "back"
    assert stored.edit_date is not None

    # Without reply_markup the inline keyboard goes away, as on Telegram.
    await bot.edit_message_text("<b>Шаг 2</b>", chat_id=CHAT, message_id=sent.message_id)
    assert stored.reply_markup is None and stored.buttons() == []
    with pytest.raises(TelegramBadRequest, match="message to edit not found"):
        await bot.edit_message_text("x", chat_id=CHAT, message_id=99)


async def test_edit_reply_markup_and_delete(bot: Bot, fake: FakeTelegram) -> None:
    sent = await bot.send_message(CHAT, "menu", reply_markup=keyboard("a"))
    await bot.edit_message_reply_markup(chat_id=CHAT, message_id=sent.message_id)
    assert fake.message(CHAT, sent.message_id).reply_markup is None
    with pytest.raises(TelegramBadRequest, match="message is not modified"):
        await bot.edit_message_reply_markup(chat_id=CHAT, message_id=sent.message_id)

    assert await bot.delete_message(CHAT, sent.message_id)
    assert fake.message(CHAT, sent.message_id).deleted and fake.messages(CHAT) == []
    with pytest.raises(TelegramBadRequest, match="message to delete not found"):
        await bot.delete_message(CHAT, sent.message_id)
    with pytest.raises(AssertionError):
        fake.last_message(CHAT)


async def test_copy_message_copies_the_current_text(bot: Bot, fake: FakeTelegram) -> None:
    sent = await bot.send_message(CHAT, "<i>Анонс</i>")
    copied = await bot.copy_message(CHAT + 1, from_chat_id=CHAT, message_id=sent.message_id)
    copy = fake.message(CHAT + 1, copied.message_id)
    assert copy.plain_text() == "Анонс" and copy.text == "<i>Анонс</i>"

    # A user's own message can be copied too; it shares the chat's id sequence.
    update = UpdateFactory(CHAT).message("от пользователя")
    fake.add_update(update)
    user_message_id = update["message"]["message_id"]
    assert user_message_id == 2
    copied = await bot.copy_message(CHAT + 1, from_chat_id=CHAT, message_id=user_message_id)
    assert fake.message(CHAT + 1, copied.message_id).plain_text() == "от пользователя"
    with pytest.raises(TelegramBadRequest, match="message can't be edited"):
        await bot.edit_message_text("x", chat_id=CHAT, message_id=user_message_id)


async def test_callback_updates_and_answers(bot: Bot, fake: FakeTelegram) -> None:
    await bot.send_message(CHAT, "<b>Выберите</b>", reply_markup=keyboard("ru", "be"))
    user = UpdateFactory(CHAT, first_name="Анна", username="anna")
    raw = user.callback(fake.last_message(CHAT), "be")
    other = user.callback(fake.last_message(CHAT), "be")
    assert raw["callback_query"]["id"] != other["callback_query"]["id"]
    fake.add_update(raw)
    query = Update.model_validate(raw, context={"bot": bot}).callback_query
    assert query is not None and query.data == "be" and query.from_user.username == "anna"
    assert query.message is not None and query.message.text == "Выберите"  # type: ignore[union-attr]
    markup = query.message.reply_markup  # type: ignore[union-attr]
    assert markup is not None and markup.model_dump() == keyboard("ru", "be").model_dump()

    await bot.answer_callback_query(query.id, text="Готово", show_alert=True)
    assert fake.callback_answers[query.id]["text"] == "Готово"
    assert fake.callback_answers[query.id]["show_alert"] is True
    with pytest.raises(TelegramBadRequest, match="query ID is invalid"):
        await bot.answer_callback_query(query.id)


async def test_a_popup_over_200_characters_is_refused(bot: Bot, fake: FakeTelegram) -> None:
    await bot.send_message(CHAT, "Выберите", reply_markup=keyboard("ru"))
    user = UpdateFactory(CHAT, first_name="Анна")
    queries = [user.callback(fake.last_message(CHAT), "ru")["callback_query"] for _ in range(3)]
    await bot.answer_callback_query(queries[0]["id"], text="Ж" * 200)
    with pytest.raises(TelegramBadRequest, match="MESSAGE_TOO_LONG"):
        await bot.answer_callback_query(queries[1]["id"], text="Ж" * 201)
    with pytest.raises(TelegramBadRequest, match="MESSAGE_TOO_LONG"):
        await bot.answer_callback_query(queries[2]["id"], text="🎉" * 101)  # 202 in UTF-16


async def test_user_document_and_contact_updates(bot: Bot, fake: FakeTelegram) -> None:
    user = UpdateFactory(CHAT)
    raw = user.document("план.pdf", b"%PDF-1.4", caption="План", server=fake)
    raw["update_id"] = 1
    message = Update.model_validate(raw, context={"bot": bot}).message
    assert message is not None and message.document is not None
    assert message.document.file_name == "план.pdf" and message.caption == "План"
    downloaded = await bot.download(message.document.file_id)
    assert downloaded is not None and downloaded.read() == b"%PDF-1.4"

    raw = user.contact("+79001234567")
    raw["update_id"] = 2
    message = Update.model_validate(raw, context={"bot": bot}).message
    assert message is not None and message.contact is not None
    assert message.contact.phone_number == "+79001234567"
    assert message.contact.user_id == CHAT


async def test_webhook_is_set_and_blocks_polling(bot: Bot, fake: FakeTelegram) -> None:
    with pytest.raises(TelegramBadRequest, match="HTTPS URL must be provided"):
        await bot.set_webhook("http://insecure.example.org/hook")
    await bot.set_webhook("https://bot.example.org/hook", secret_token="s3cr3t")
    assert fake.webhook is not None and fake.webhook["secret_token"] == "s3cr3t"
    assert (await bot.get_webhook_info()).url == "https://bot.example.org/hook"
    with pytest.raises(Exception, match="webhook is active"):
        await bot.get_updates()
    await bot.delete_webhook()
    assert fake.webhook is None
    assert await bot.get_updates(timeout=0) == []


@pytest.mark.parametrize("form", ["json", "urlencoded", "multipart"])
async def test_a_call_in_a_webhook_answer_is_carried_out(
    bot: Bot, fake: FakeTelegram, form: str
) -> None:
    """ "Making requests when getting updates": a webhook may answer with one Bot API call
    (JSON, urlencoded or multipart, the method in `method`); Telegram carries it out."""
    fields = {"method": "sendMessage", "chat_id": str(CHAT), "text": "Ответ «в ответе»"}

    async def hook(request: aiohttp.web.Request) -> aiohttp.web.Response:
        await request.read()
        if form == "json":
            return aiohttp.web.json_response(fields)
        if form == "urlencoded":
            body = aiohttp.FormData(fields)()
            return aiohttp.web.Response(
                body=body, content_type="application/x-www-form-urlencoded"
            )
        writer = aiohttp.MultipartWriter("form-data")
        for name, value in fields.items():
            writer.append(value).set_content_disposition("form-data", name=name)
        return aiohttp.web.Response(body=writer)

    app = aiohttp.web.Application()
    app.router.add_post("/hook", hook)
    runner = aiohttp.web.AppRunner(app)
    await runner.setup()
    port = free_port()
    await aiohttp.web.TCPSite(runner, "127.0.0.1", port).start()
    try:
        await bot.set_webhook("https://bot.example.org/hook")
        fake.webhook_address = f"http://127.0.0.1:{port}/hook"
        fake.add_update(UpdateFactory(CHAT).message("/start"))
        async with asyncio.timeout(5):
            while not fake.webhook_attempts:
                await asyncio.sleep(0.01)
    finally:
        await runner.cleanup()
    [call] = fake.calls_of("sendMessage")
    assert call.ok and call.in_webhook_reply
    assert fake.last_message(CHAT).plain_text() == "Ответ «в ответе»"
