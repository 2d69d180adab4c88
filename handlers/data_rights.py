"""/export and /delete: the person's data, under their control."""

from __future__ import annotations

from telegram import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Update

from handlers.callback_data import ConfirmDelete, pack
from handlers.common import answer, edit, person_ref, reply
from handlers.context import CoachContext
from handlers.render import Screen, fill


async def export_command(update: Update, context: CoachContext) -> None:
    """Send everything stored about the person as a JSON and a CSV file."""
    ref = person_ref(update)
    chat = update.effective_chat
    if ref is None or chat is None:
        return
    texts = context.library.texts
    export = await context.services.data_rights.export(ref)
    if export is None:
        await reply(update, Screen(texts.export_nothing))
        return
    await chat.send_document(
        document=export.to_json(),
        filename="mobility-coach-export.json",
        caption=fill(texts.export_caption_json, rows=export.rows),
    )
    await chat.send_document(
        document=export.to_csv(),
        filename="mobility-coach-export.csv",
        caption=texts.export_caption_csv,
    )


async def delete_command(update: Update, context: CoachContext) -> None:
    """Ask before deleting everything; the answer buttons act only for the person asked."""
    ref = person_ref(update)
    if ref is None:
        return
    texts = context.library.texts
    yes = pack(ConfirmDelete(True, ref.telegram_id))
    no = pack(ConfirmDelete(False, ref.telegram_id))
    keyboard = InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(texts.btn_delete_yes, callback_data=yes),
                InlineKeyboardButton(texts.btn_delete_no, callback_data=no),
            ]
        ]
    )
    await reply(update, Screen(texts.delete_confirm, keyboard))


async def on_confirm_delete(
    update: Update, query: CallbackQuery, context: CoachContext, data: ConfirmDelete
) -> None:
    """Delete everything (yes) or nothing (no), and say which."""
    ref = person_ref(update)
    assert ref is not None
    texts = context.library.texts
    if data.asker is None:
        await answer(query, texts.ans_delete_again)
        return
    if data.asker != ref.telegram_id:
        await answer(query, texts.ans_delete_not_yours)
        return
    if not data.yes:
        await answer(query)
        await edit(query, Screen(texts.delete_cancelled))
        return
    deleted = await context.services.data_rights.delete(ref)
    await answer(query)
    await edit(query, Screen(texts.delete_done if deleted else texts.delete_nothing))
