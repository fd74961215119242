## Import of programmes, trips and events; participants list and export.
## Error texts are plain (no tags): the command line prints them too.

## Where a problem is

import-at-path = { $path }
import-at-line = строка { $line }
import-at-cell = лист { $sheet }, строка { $row }, столбец { $column }
import-at-row = лист { $sheet }, строка { $row }
import-at-column = лист { $sheet }, столбец { $column }
import-at-sheet = лист { $sheet }
import-at-file = файл
import-error-line = { $where }: { $problem }

## What is wrong

import-error-too-big = файл весит { $size } МБ, а можно не больше { $limit } МБ. Разделите его на несколько файлов.
import-error-format = такой формат не подходит. Нужна таблица .xlsx или текстовый файл .yaml (.yml).
import-error-encoding = файл не в кодировке UTF-8: сохраните его как UTF-8 (в Блокноте: «Сохранить как» → кодировка UTF-8) и пришлите снова.
import-error-yaml = ошибка разметки YAML в этой строке или прямо перед ней. Проверьте отступы, двоеточия и кавычки.
import-error-yaml-tab = в отступе стоит табуляция. В YAML отступы делаются только пробелами: замените табуляцию пробелами.
import-error-yaml-alias = в файле есть ссылка YAML (*имя). Такие ссылки не принимаются: напишите значения полностью в каждом месте, где они нужны.
import-error-yaml-character = в тексте есть невидимый служебный символ ({ $code }). Удалите его или перепечатайте эту строку.
import-error-field-twice = поле «{ $field }» указано дважды.
import-error-not-xlsx = файл не открывается как таблица Excel. Сохраните его в Excel или LibreOffice как «Книга Excel (.xlsx)».
import-error-unpacked-too-big = таблица слишком велика: в распакованном виде больше { $limit } МБ.
import-error-xlsx-unusual = таблица устроена необычно (в ней слишком много внутренних частей или слишком сильно сжатые данные), и бот не будет её читать. Сохраните её заново в Excel или LibreOffice как «Книга Excel (.xlsx)».
import-error-xlsx-unsafe = внутри таблицы есть определения XML-сущностей, каких Excel не пишет, и бот не будет её читать. Сохраните её заново в Excel или LibreOffice как «Книга Excel (.xlsx)».
import-error-time-limit = бот читал файл { $seconds } с и не дочитал: файл слишком большой или сложный. Разделите его на несколько файлов или уберите лишние листы, строки и столбцы.
import-error-memory-limit = для чтения файла нужно больше { $limit } МБ памяти: файл слишком большой или сложный. Разделите его на несколько файлов или уберите лишние листы, строки и столбцы.
import-error-unreadable = файл не удалось прочитать. Сохраните его заново (таблицу — как «Книга Excel (.xlsx)», текст — в кодировке UTF-8) и пришлите снова.
import-error-reader-failed = бот сейчас не смог начать чтение файла: это не ошибка в файле. Пришлите его ещё раз через минуту; если не получится — сообщите администратору.
import-error-empty = в файле нет ни программ, ни поездок, ни мероприятий, ни пунктов дорожной карты.
import-error-top-level = файл должен состоять из разделов programmes, trips, events и roadmap (каждый — с новой строки, без отступа, с двоеточием в конце).
import-error-unknown-section = неизвестный раздел «{ $name }». Возможные разделы: { $expected }.
import-error-unknown-sheet = неизвестный лист «{ $name }». Возможные листы: { $expected }.
import-error-not-list = здесь должен быть список: каждый элемент с новой строки, начиная с «- ».
import-error-not-mapping = элемент списка должен состоять из полей вида «поле: значение».
import-error-too-many = больше { $limit } записей в одном разделе. Разделите файл на несколько.
import-error-too-many-columns = данные правее столбца { $column }: на листе читаются только первые { $limit } столбцов. Перенесите эти данные в нужные столбцы или удалите их.
import-error-unknown-field = неизвестное поле «{ $name }».
import-error-unknown-field-hint = неизвестное поле «{ $name }». Может быть, имелось в виду { $hint }?
import-error-unknown-column = неизвестный столбец «{ $name }».
import-error-unknown-column-hint = неизвестный столбец «{ $name }». Может быть, имелось в виду { $hint }?
import-error-duplicate-column = столбец с таким названием уже есть на этом листе.
import-error-missing-column = нет обязательного столбца «{ $column }».
import-error-headerless = в столбце { $column } есть данные, но нет названия столбца в первой строке.
import-error-required = обязательное поле не заполнено.
import-error-not-scalar = здесь нужно одно значение, а не список или вложенные поля.
import-error-list = здесь нужен список значений или значения через точку с запятой.
import-error-too-many-items = слишком много значений: { $count }, можно не больше { $limit }.
import-error-too-long = слишком длинный текст: { $length } { $length ->
    [one] символ
    [few] символа
   *[many] символов
}, можно не больше { $limit }.
import-error-key = ключ «{ $value }» не подходит: нужны буквы, цифры, «-», «_» или «.», без пробелов, не длиннее { $limit } символов.
import-error-question-key = ключ вопроса «{ $value }» не подходит: нужны латинские буквы, цифры, «-» или «_», без пробелов, не длиннее { $limit } символов.
import-error-choice = значение «{ $value }» не подходит. Возможные значения: { $allowed }.
import-error-role = неизвестная сфера «{ $value }». Возможные: { $allowed }.
import-error-city = неизвестный город «{ $value }». Возможные: { $allowed }.
import-error-integer = «{ $value }» — не целое число.
import-error-range = нужно число от { $low } до { $high }, а указано { $value }.
import-error-flag = «{ $value }» — здесь нужно «да» или «нет» (yes или no).
import-error-datetime = дата «{ $value }» не распознана. Пишите так: 15.03.2027, 15.03.2027 09:30 или 2027-03-15.
import-error-telegram-id = «{ $value }» — не Telegram id: нужно положительное целое число.
import-error-same-city = город назначения совпадает с городом отправления.
import-error-end-before-start = окончание раньше начала.
import-error-deadline-after-start = запись должна заканчиваться раньше начала поездки.
import-error-start-past = дата начала уже прошла. Прошедшую поездку можно загрузить только со статусом finished.
import-error-deadline-past = срок записи уже прошёл. Укажите дату в будущем или статус finished для прошедшей поездки.
import-error-capacity-below-seated = на поездку уже { $seated ->
    [one] записан { $seated } человек
    [few] записаны { $seated } человека
   *[many] записаны { $seated } человек
}, мест не может быть меньше.
import-error-cancel-in-bot = у поездки { $count ->
    [one] { $count } действующая заявка
    [few] { $count } действующие заявки
   *[many] { $count } действующих заявок
}. Отмените поездку в боте, кнопкой на её карточке, чтобы участники получили уведомление.
import-error-duplicate-key = ключ «{ $value }» уже встречается: { $first }.
import-error-question-twice = ключ вопроса «{ $value }» уже есть у этой поездки.
import-error-unknown-programme = программа с ключом «{ $value }» не найдена ни в файле, ни в базе.
import-error-unknown-trip = поездка с ключом «{ $value }» не найдена ни в файле, ни в базе.
import-error-unknown-event = мероприятие с ключом «{ $value }» не найдено ни в файле, ни в базе.
import-error-roadmap-number-twice = номер пункта { $number } уже встречается: { $first }.
import-error-roadmap-number-taken = номер { $number } уже у другого пункта дорожной карты в базе (с другим ключом).
import-error-responsible = «{ $value }» — не сторона. Укажите код города ({ $allowed }) или both (оба города).
import-error-due = срок «{ $value }» не понятен. Пишите год (2026) или квартал: 2026-Q2, II квартал 2026.
import-error-question-trip = поездки с ключом «{ $value }» нет на листе trips.
import-error-options-missing = для вопроса типа choice укажите хотя бы два варианта ответа в options.
import-error-options-unexpected = варианты ответа (options) бывают только у вопросов типа choice, а здесь тип { $type }.
import-error-option-too-long = вариант «{ $value }» слишком длинный для кнопки: можно не больше 60 символов.
import-error-option-twice = вариант «{ $value }» повторяется.

## In the bot

import-refused-member = Загружать программы, поездки и мероприятия из файла могут только организаторы. Если вы организатор, попросите администратора выдать вам права.
import-too-big = Файл «{ $name }» слишком большой: { $size } МБ. Можно загрузить файл до { $limit } МБ — разделите его на несколько.
import-unknown-format = Файл «{ $name }» не похож на файл импорта. Пришлите таблицу .xlsx или файл .yaml по образцу: описание формата и пример лежат в папках docs и examples репозитория бота.
import-file-unreadable = Не получилось прочитать присланный файл на сервере бота. Это не ошибка в файле: сообщите администратору бота (нужно проверить, что папка файлов сервера Bot API подключена к боту), и попробуйте ещё раз позже.
import-failed = <b>Файл «{ $name }» не загружен</b>: { $count ->
    [one] найдена { $count } ошибка
    [few] найдены { $count } ошибки
   *[many] найдено { $count } ошибок
}. Ничего не записано — исправьте файл и пришлите его снова.
import-errors-more = …и ещё { $count ->
    [one] { $count } ошибка
    [few] { $count } ошибки
   *[many] { $count } ошибок
}.
import-done = <b>Файл «{ $name }» загружен.</b>
import-summary-programmes = Программы: новых { $created }, обновлено { $updated }.
import-summary-trips = Поездки: новых { $created }, обновлено { $updated }.
import-summary-events = Мероприятия: новых { $created }, обновлено { $updated }.
import-summary-roadmap = Дорожная карта: новых { $created }, обновлено { $updated }.
import-promoted = В поездках стало больше мест: из листа ожидания { $count ->
    [one] переведён { $count } человек
    [few] переведены { $count } человека
   *[many] переведены { $count } человек
}, им отправлено уведомление.

## Command line (plain text)

import-cli-not-found = Файл { $path } не найден или не читается.
import-cli-failed = Файл { $name } не загружен: { $count ->
    [one] { $count } ошибка
    [few] { $count } ошибки
   *[many] { $count } ошибок
}. Ничего не записано.
import-cli-done = Файл { $name } загружен.
import-cli-promoted = Из листа ожидания на освободившиеся места переведено человек: { $count }.
demo-not-empty = В базе уже есть поездки ({ $count }). Демонстрационные данные загружаются только в пустую базу, чтобы не смешаться с настоящими. Для демонстрации укажите другой DATABASE_PATH.
demo-done = Демонстрационная программа Сочи — Минск загружена.

## Participants of a trip

participants-title = <b>Участники: { $trip }</b>
participants-total = Всего заявок: { $count }
participants-count = { $label }: { $count }
participants-group-pending = Ждут решения
participants-group-approved = Одобрены
participants-group-waitlisted = В листе ожидания
participants-group-rejected = Отклонены
participants-group-cancelled = Отменили участие
participants-line = { $number }. { $name } — { $organisation } · { $status }
participants-line-waitlisted = { $number }. { $name } — { $organisation } · в листе ожидания, № { $position }
participants-no-name = (данные удалены)
participants-no-organisation = организация не указана
participants-empty = Пока никто не записался.
participants-page = Страница { $page } из { $pages }
participants-btn-export = 📥 Выгрузить XLSX и CSV
participants-btn-back = ← К поездке

## Export

export-sending = Готовлю файлы…
export-empty = В поездке пока нет заявок: выгружать нечего.
export-caption = Участники поездки «{ $trip }»: { $count ->
    [one] { $count } заявка
    [few] { $count } заявки
   *[many] { $count } заявок
}.
export-sheet = Участники
export-col-status = Статус
export-col-position = Место в листе ожидания
export-col-created = Заявка подана
export-col-updated = Последнее изменение
export-col-decided = Решение организатора
export-col-name = Имя
export-col-organisation = Организация
export-col-role = Сфера
export-col-city = Город
export-col-phone = Телефон
export-status-pending = Ждёт решения
export-status-approved = Одобрена
export-status-waitlisted = В листе ожидания
export-status-rejected = Отклонена
export-status-cancelled = Отменена
export-yes = Да
export-no = Нет

## A hint for the organiser's menu or help

import-help = Чтобы загрузить программы, поездки и мероприятия разом, пришлите боту таблицу .xlsx или файл .yaml документом. Бот проверит весь файл и либо загрузит его целиком, либо перечислит ошибки. Повторная загрузка того же файла обновляет записи, а не создаёт копии.
