## Events: catalogue, card, subscriptions, reminders, the organisers' form.

menu-events = 🎪 Мерапрыемствы
menu-myevents = 🔔 Мае мерапрыемствы
cmd-events = Мерапрыемствы ў абодвух гарадах
cmd-myevents = Мае мерапрыемствы і напаміны

event-kind-festival = Фестываль
event-kind-forum = Форум
event-kind-contest = Конкурс
event-kind-seminar = Семінар
event-kind-tournament = Турнір
event-kind-other = Мерапрыемства

event-month-1 = студз { $year }
event-month-2 = лют { $year }
event-month-3 = сак { $year }
event-month-4 = крас { $year }
event-month-5 = трав { $year }
event-month-6 = чэрв { $year }
event-month-7 = ліп { $year }
event-month-8 = жнів { $year }
event-month-9 = вер { $year }
event-month-10 = кастр { $year }
event-month-11 = ліст { $year }
event-month-12 = снеж { $year }
event-month-any = усе месяцы

## Catalogue

event-list = <b>Мерапрыемствы</b> — { $where }, { $month }. Усяго: { $count }.
    Націсніце на мерапрыемства, каб адкрыць картку і ўключыць напаміны.
event-list-empty = <b>Мерапрыемствы</b> — { $where }, { $month }: пакуль нічога не запланавана. Паспрабуйце іншы горад або месяц.
event-both-cities = Абодва гарады
event-all-months = Усе месяцы
event-filter-chosen = ✓ { $label }
event-my-events = 🔔 Мае мерапрыемствы
event-all-events = 🎪 Усе мерапрыемствы
event-my-list = <b>Мае мерапрыемствы</b>: вы падпісаны на { $count ->
        [one] { $count } мерапрыемства
        [few] { $count } мерапрыемствы
       *[many] { $count } мерапрыемстваў
    }. Перад кожным бот загадзя нагадае.
event-my-empty = Вы пакуль не падпісаны ні на адно мерапрыемства. Адкрыйце «Мерапрыемствы» і націсніце «Нагадаць мне» ў картцы.
event-my-none-coming = <b>Мае мерапрыемствы</b>: будучых мерапрыемстваў, пра якія бот нагадае, няма.
event-my-cancelled = { $count ->
        [one] { $count } мерапрыемства са спіса адменена
        [few] { $count } мерапрыемствы са спіса адменены
       *[many] { $count } мерапрыемстваў са спіса адменены
    }: яны пазначаны ❌ і стаяць у канцы, нагадванняў пра іх не будзе.
event-my-cancelled-label = ❌ Адменена · { $label }

## Card

event-card-head = { $kind }: <b>{ $title }</b>
event-card-place = 📍 { $place }
event-card-when = 🕒 { $when } (час: { $city })
event-card-when-other = 🕒 { $when } (час: { $city })
event-card-cancelled = ❌ <b>Мерапрыемства адменена.</b>
event-card-programme = 🧭 Праграма: { $title }
event-card-trip = 🚌 Паездка: { $title }
event-card-subscribers = 🔔 Падпісчыкаў: { $count }
event-card-subscribed = ✅ Вы падпісаны: бот нагадае загадзя.
event-card-description = { $description }

event-btn-subscribe = 🔔 Нагадаць мне
event-btn-unsubscribe = 🔕 Не нагадваць
event-btn-forget-cancelled = 🗑 Прыбраць з «Маіх мерапрыемстваў»
event-btn-ics = 📅 У каляндар
event-btn-trip = 🚌 { $title }
event-btn-edit = ✏️ Змяніць
event-btn-share = 🔗 Падзяліцца
event-btn-cancel = ❌ Адмяніць мерапрыемства
event-btn-to-list = « Да мерапрыемстваў
event-btn-cancel-confirm = Так, адмяніць мерапрыемства
event-btn-keep = Не, пакінуць
event-btn-open = Адкрыць мерапрыемства

event-subscribed = Гатова: нагадаю загадзя.
event-unsubscribed = Добра, напамінаў пра гэта мерапрыемства больш не будзе.
event-ics-caption = Мерапрыемства «{ $title }» для вашага календара. Калі яго зменяць, адкрыйце новы файл — запіс у календары абновіцца.
event-ics-back = ← Да мерапрыемства
event-share-link = Спасылка на мерапрыемства «{ $title }»: { $link }

event-error-not-found = Мерапрыемства не знойдзена: магчыма, яго выдалілі.
event-error-cancelled = Гэта мерапрыемства адменена.
event-error-over = Гэта мерапрыемства ўжо прайшло.
event-error-start-past = Гэты час ужо мінуў. Пазначце пачатак у будучыні.
event-error-start-far = Гэта занадта далёка: пачатак можна пазначыць не пазней чым праз { $years ->
        [one] { $years } год
        [few] { $years } гады
       *[many] { $years } гадоў
    }. Праверце год.
event-error-end-before-start = Заканчэнне не можа быць раней за пачатак.

## Reminders and notices

reminder-event = ⏰ Напамін: <b>{ $title }</b> — { $when }.
    🕒 { $time } (час: { $city })
    📍 { $place }
reminder-trip = ⏰ Напамін: паездка <b>{ $title }</b> — { $when }.
    🕒 { $time } (час: { $city })
    🧭 { $origin } → { $destination }
reminder-in-days = праз { $n ->
        [one] { $n } дзень
        [few] { $n } дні
       *[many] { $n } дзён
    }
reminder-in-hours = праз { $n ->
        [one] { $n } гадзіну
        [few] { $n } гадзіны
       *[many] { $n } гадзін
    }
reminder-in-minutes = праз { $n ->
        [one] { $n } хвіліну
        [few] { $n } хвіліны
       *[many] { $n } хвілін
    }
reminder-in-seconds = праз { $n ->
        [one] { $n } секунду
        [few] { $n } секунды
       *[many] { $n } секунд
    }
reminder-btn-details = Падрабязней
reminder-btn-mute = 🔕 Не нагадваць
reminder-muted = Добра, больш не нагадаю.

event-notice-moved = 🕒 Мерапрыемства <b>{ $title }</b> ({ $city }) перанесена.
    Было: <s>{ $old }</s>
    Стала: <b>{ $new }</b>
    Напаміны прыйдуць да новага часу.
event-notice-cancelled = ❌ Мерапрыемства <b>{ $title }</b> ({ $city }) адменена. Напамінаў пра яго больш не будзе.

## Organisers: the form

org-btn-new-event = 🎪 Новае мерапрыемства
event-ask-kind = <b>Новае мерапрыемства.</b> Якое гэта мерапрыемства?
event-ask-title = Назва мерапрыемства (да 150 сімвалаў):
event-ask-city = У якім горадзе яно пройдзе?
event-ask-venue = Месца правядзення (пляцоўка, адрас), да 200 сімвалаў:
event-ask-starts = Калі пачатак? Мясцовы час ({ $city }): 15.03.2027 10:00 (або толькі дата).
event-ask-ends = Калі заканчэнне? Мясцовы час ({ $city }): 17.03.2027 18:00 (дата без часу — канец гэтага дня).
event-ask-description = Апісанне для ўдзельнікаў (да 3000 сімвалаў):
event-ask-link = Да якой праграмы або паездкі адносіцца мерапрыемства?
event-skip-venue = Месца ўдакладняецца
event-skip-ends = Без часу заканчэння
event-skip-description = Без апісання
event-skip-link = Ні да якой
event-no-link = не прывязана
event-empty = —
event-link-programme = Праграма: { $title }
event-link-trip = Паездка: { $title }

event-preview = <b>Праверце мерапрыемства</b>
    { $kind }: <b>{ $title }</b>
    Горад: { $city }
    Месца: { $venue }
    Калі: { $when } (час горада мерапрыемства)
    Адносіцца да: { $link }

    { $description }
event-preview-edit = <b>Змяненне мерапрыемства</b> — выберыце, што змяніць, і захавайце.
    { $kind }: <b>{ $title }</b>
    Горад: { $city }
    Месца: { $venue }
    Калі: { $when } (час горада мерапрыемства)
    Адносіцца да: { $link }

    { $description }
event-field-kind = Від
event-field-title = Назва
event-field-city = Горад
event-field-venue = Месца
event-field-start = Пачатак
event-field-end = Заканчэнне
event-field-descr = Апісанне
event-field-link = Праграма / паездка

event-created = Мерапрыемства «{ $title }» створана і бачнае ўдзельнікам.
event-updated = Мерапрыемства «{ $title }» захавана.
event-subscribers-told = Падпісчыкам адпраўлена паведамленне пра перанос: { $count }.
event-form-cancelled = Добра, нічога не захавана.
event-cancel-confirm = Адмяніць мерапрыемства «{ $title }»? Падпісчыкаў: { $count } — усе атрымаюць паведамленне пра адмену, напаміны не прыйдуць.
event-cancelled-done = Мерапрыемства «{ $title }» адменена. Паведамленне пра адмену адпраўлена падпісчыкам: { $count }.
