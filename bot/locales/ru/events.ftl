## Events: catalogue, card, subscriptions, reminders, the organisers' form.

menu-events = 🎪 Мероприятия
menu-myevents = 🔔 Мои мероприятия
cmd-events = Мероприятия в обоих городах
cmd-myevents = Мои мероприятия и напоминания

event-kind-festival = Фестиваль
event-kind-forum = Форум
event-kind-contest = Конкурс
event-kind-seminar = Семинар
event-kind-tournament = Турнир
event-kind-other = Мероприятие

event-month-1 = янв { $year }
event-month-2 = фев { $year }
event-month-3 = мар { $year }
event-month-4 = апр { $year }
event-month-5 = май { $year }
event-month-6 = июн { $year }
event-month-7 = июл { $year }
event-month-8 = авг { $year }
event-month-9 = сен { $year }
event-month-10 = окт { $year }
event-month-11 = ноя { $year }
event-month-12 = дек { $year }
event-month-any = все месяцы

## Catalogue

event-list = <b>Мероприятия</b> — { $where }, { $month }. Всего: { $count }.
    Нажмите на мероприятие, чтобы открыть карточку и включить напоминания.
event-list-empty = <b>Мероприятия</b> — { $where }, { $month }: пока ничего не запланировано. Попробуйте другой город или месяц.
event-both-cities = Оба города
event-all-months = Все месяцы
event-filter-chosen = ✓ { $label }
event-my-events = 🔔 Мои мероприятия
event-all-events = 🎪 Все мероприятия
event-my-list = <b>Мои мероприятия</b>: вы подписаны на { $count ->
        [one] { $count } мероприятие
        [few] { $count } мероприятия
       *[many] { $count } мероприятий
    }. Перед каждым бот напомнит заранее.
event-my-empty = Вы пока не подписаны ни на одно мероприятие. Откройте «Мероприятия» и нажмите «Напомнить мне» в карточке.
event-my-none-coming = <b>Мои мероприятия</b>: предстоящих мероприятий, о которых бот напомнит, нет.
event-my-cancelled = { $count ->
        [one] { $count } мероприятие из списка отменено
        [few] { $count } мероприятия из списка отменены
       *[many] { $count } мероприятий из списка отменены
    }: они отмечены ❌ и стоят в конце, напоминаний о них не будет.
event-my-cancelled-label = ❌ Отменено · { $label }

## Card

event-card-head = { $kind }: <b>{ $title }</b>
event-card-place = 📍 { $place }
event-card-when = 🕒 { $when } (время: { $city })
event-card-when-other = 🕒 { $when } (время: { $city })
event-card-cancelled = ❌ <b>Мероприятие отменено.</b>
event-card-programme = 🧭 Программа: { $title }
event-card-trip = 🚌 Поездка: { $title }
event-card-subscribers = 🔔 Подписчиков: { $count }
event-card-subscribed = ✅ Вы подписаны: бот напомнит заранее.
event-card-description = { $description }

event-btn-subscribe = 🔔 Напомнить мне
event-btn-unsubscribe = 🔕 Не напоминать
event-btn-forget-cancelled = 🗑 Убрать из «Моих мероприятий»
event-btn-ics = 📅 В календарь
event-btn-trip = 🚌 { $title }
event-btn-edit = ✏️ Изменить
event-btn-share = 🔗 Поделиться
event-btn-cancel = ❌ Отменить мероприятие
event-btn-to-list = « К мероприятиям
event-btn-cancel-confirm = Да, отменить мероприятие
event-btn-keep = Нет, оставить
event-btn-open = Открыть мероприятие

event-subscribed = Готово: напомню заранее.
event-unsubscribed = Хорошо, напоминаний об этом мероприятии больше не будет.
event-ics-caption = Мероприятие «{ $title }» для вашего календаря. Если его изменят, откройте новый файл — запись в календаре обновится.
event-ics-back = ← К мероприятию
event-share-link = Ссылка на мероприятие «{ $title }»: { $link }

event-error-not-found = Мероприятие не найдено: возможно, его удалили.
event-error-cancelled = Это мероприятие отменено.
event-error-over = Это мероприятие уже прошло.
event-error-start-past = Это время уже прошло. Укажите начало в будущем.
event-error-start-far = Это слишком далеко: начало можно указать не позже чем через { $years ->
        [one] { $years } год
        [few] { $years } года
       *[many] { $years } лет
    }. Проверьте год.
event-error-end-before-start = Окончание не может быть раньше начала.

## Reminders and notices

reminder-event = ⏰ Напоминание: <b>{ $title }</b> — { $when }.
    🕒 { $time } (время: { $city })
    📍 { $place }
reminder-trip = ⏰ Напоминание: поездка <b>{ $title }</b> — { $when }.
    🕒 { $time } (время: { $city })
    🧭 { $origin } → { $destination }
reminder-in-days = через { $n ->
        [one] { $n } день
        [few] { $n } дня
       *[many] { $n } дней
    }
reminder-in-hours = через { $n ->
        [one] { $n } час
        [few] { $n } часа
       *[many] { $n } часов
    }
reminder-in-minutes = через { $n ->
        [one] { $n } минуту
        [few] { $n } минуты
       *[many] { $n } минут
    }
reminder-in-seconds = через { $n ->
        [one] { $n } секунду
        [few] { $n } секунды
       *[many] { $n } секунд
    }
reminder-btn-details = Подробнее
reminder-btn-mute = 🔕 Не напоминать
reminder-muted = Хорошо, больше не напомню.

event-notice-moved = 🕒 Мероприятие <b>{ $title }</b> ({ $city }) перенесено.
    Было: <s>{ $old }</s>
    Стало: <b>{ $new }</b>
    Напоминания придут к новому времени.
event-notice-cancelled = ❌ Мероприятие <b>{ $title }</b> ({ $city }) отменено. Напоминаний о нём больше не будет.

## Organisers: the form

org-btn-new-event = 🎪 Новое мероприятие
event-ask-kind = <b>Новое мероприятие.</b> Что это за мероприятие?
event-ask-title = Название мероприятия (до 150 символов):
event-ask-city = В каком городе оно пройдёт?
event-ask-venue = Место проведения (площадка, адрес), до 200 символов:
event-ask-starts = Когда начало? Местное время ({ $city }): 15.03.2027 10:00 (или только дата).
event-ask-ends = Когда окончание? Местное время ({ $city }): 17.03.2027 18:00 (дата без времени — конец этого дня).
event-ask-description = Описание для участников (до 3000 символов):
event-ask-link = К какой программе или поездке относится мероприятие?
event-skip-venue = Место уточняется
event-skip-ends = Без времени окончания
event-skip-description = Без описания
event-skip-link = Ни к какой
event-no-link = не привязано
event-empty = —
event-link-programme = Программа: { $title }
event-link-trip = Поездка: { $title }

event-preview = <b>Проверьте мероприятие</b>
    { $kind }: <b>{ $title }</b>
    Город: { $city }
    Место: { $venue }
    Когда: { $when } (время города мероприятия)
    Относится к: { $link }

    { $description }
event-preview-edit = <b>Изменение мероприятия</b> — выберите, что изменить, и сохраните.
    { $kind }: <b>{ $title }</b>
    Город: { $city }
    Место: { $venue }
    Когда: { $when } (время города мероприятия)
    Относится к: { $link }

    { $description }
event-field-kind = Вид
event-field-title = Название
event-field-city = Город
event-field-venue = Место
event-field-start = Начало
event-field-end = Окончание
event-field-descr = Описание
event-field-link = Программа / поездка

event-created = Мероприятие «{ $title }» создано и видно участникам.
event-updated = Мероприятие «{ $title }» сохранено.
event-subscribers-told = Подписчикам отправлено сообщение о переносе: { $count }.
event-form-cancelled = Хорошо, ничего не сохранено.
event-cancel-confirm = Отменить мероприятие «{ $title }»? Подписчиков: { $count } — все получат сообщение об отмене, напоминания не придут.
event-cancelled-done = Мероприятие «{ $title }» отменено. Сообщение об отмене отправлено подписчикам: { $count }.
