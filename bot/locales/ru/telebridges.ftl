## Schools and telebridges: institutions, coordinators, proposals, reminders, reports.

menu-schools = 🏫 Школы и телемосты
cmd-school = Моя школа, школы-партнёры и телемосты
cmd-telebridges = Мои телемосты
org-btn-telebridges = 📡 Телемосты

school-kind-school = Школа
school-kind-kindergarten = Детский сад
school-kind-college = Колледж
school-kind-other = Другое учреждение
school-kinds-school = Школы
school-kinds-kindergarten = Детсады
school-kinds-college = Колледжи
school-kinds-other = Другие
school-any-kind = Все типы
school-any-age = Любой возраст

age-preschool = Дошкольники
age-primary = 1–4 классы
age-middle = 5–9 классы
age-senior = 10–11 классы
age-students = Студенты
age-adults = Педагоги и родители
age-short-preschool = Дошк.
age-short-primary = 1–4
age-short-middle = 5–9
age-short-senior = 10–11
age-short-students = Студ.
age-short-adults = Взросл.

## "Школы и телемосты"

school-hub-none =
    <b>Школы и телемосты</b>

    Здесь школы, детские сады и колледжи городов-побратимов находят друг друга и договариваются о телемостах.
    Зарегистрируйте своё учреждение — вы станете его координатором — или присоединитесь к уже зарегистрированному вторым координатором.
school-hub-pending = Ваша заявка стать координатором «{ $school }» ждёт подтверждения координатора этого учреждения. Как только он ответит, бот сообщит.
school-hub-active = <b>Школы и телемосты</b> — вы координатор:
school-btn-home = 🏫 Школы и телемосты
school-btn-register = ➕ Зарегистрировать учреждение
school-btn-join = 🤝 Присоединиться к учреждению
school-btn-join-this = 🤝 Стать координатором этого учреждения
school-btn-withdraw = Отозвать заявку
school-btn-partners = 🌍 Школы-партнёры
school-btn-share = 🔗 Ссылка на учреждение
school-btn-leave = Перестать быть координатором
school-btn-leave-ok = Да, перестать быть координатором
school-btn-verify = ✅ Подтвердить учреждение
school-btn-approve = ✅ Принять
school-btn-decline = ❌ Отказать
school-leave-ask = Перестать быть координатором «{ $school }»? Телемосты учреждения останутся, их будут вести другие координаторы.
school-left = Готово: вы больше не координатор «{ $school }».
school-share-link = Ссылка на карточку «{ $school }»: { $link }
    Отправьте её коллегам — они смогут попросить стать вторым координатором, — или школе-партнёру.

## The card

school-line = { $name } ({ $city })
school-line-unverified = { $name } ({ $city }, не подтверждено организаторами)
school-card-head = { $kind }: <b>{ $name }</b>
school-card-city = 🏙 { $city }
school-card-address = 📍 { $address }
school-card-ages = 👧 Возраст: { $ages }
school-card-coordinators = 👥 Координаторов: { $count }
school-card-verified = ✅ Подтверждено организаторами
school-card-unverified = ⚠️ Пока не подтверждено организаторами
school-verified = Учреждение «{ $school }» подтверждено.

## Registering

school-ask-kind = Регистрация учреждения. Шаг 1 из 5: выберите тип.
school-ask-name = Шаг 2 из 5: напишите полное название, например: МОБУ Гимназия № 1 им. Н. Островского.
school-ask-city = Шаг 3 из 5: в каком городе учреждение?
school-ask-address = Шаг 4 из 5: напишите адрес или район — так школе-партнёру проще вас узнать.
school-ask-ages = Шаг 5 из 5: с какими возрастами вы работаете? Отметьте всё подходящее и нажмите «Готово».
school-btn-skip-address = Без адреса
school-btn-ages-done = Готово
school-btn-save = ✅ Зарегистрировать
school-no-address = не указан
school-preview =
    <b>Проверьте данные</b>

    Тип: { $kind }
    Название: { $name }
    Город: { $city }
    Адрес: { $address }
    Возраст: { $ages }

    После регистрации вы станете координатором учреждения. Организаторы проверят его и отметят как подтверждённое.
school-registered = Готово: «{ $name }» зарегистрировано, вы — его координатор.
school-form-cancelled = Хорошо, ничего не сохранено.

## Joining

school-join-list = Учреждения вашего города: { $count }. Откройте своё и нажмите «Стать координатором этого учреждения».
school-join-empty = В вашем городе пока не зарегистрировано ни одного учреждения. Зарегистрируйте своё первым.
school-join-sent = Заявка отправлена координаторам «{ $school }». Бот сообщит, когда они ответят.
school-join-approved = Коллега стал координатором.
school-join-declined = Заявка отклонена.
school-notice-join =
    🤝 <b>{ $name }</b> просит стать координатором «{ $school }» вместе с вами.
    Если это ваш коллега, нажмите «Принять».
school-notice-approved = ✅ Вы стали координатором «{ $school }». Откройте «Школы и телемосты», чтобы предложить телемост.
school-notice-declined = Координатор «{ $school }» не подтвердил вашу заявку. Если это ошибка, свяжитесь с коллегами напрямую.

## Partner schools

school-partners = <b>Школы-партнёры</b> в городах-побратимах: { $count }. Сначала те, с кем у вас уже были телемосты; ⚠️ — ещё не подтверждены организаторами.
school-partners-empty = По этим условиям учреждений пока нет. Попробуйте другой тип или возраст — или предложите открытый телемост любой школе города-партнёра.

school-error-teachers-only = Регистрировать учреждения и вести телемосты могут педагоги. Если вы педагог, выберите сферу «Педагог» в профиле: /profile
school-error-already = Вы уже координатор учреждения или ждёте подтверждения заявки. Одновременно можно вести одно учреждение.
school-error-none = Сначала зарегистрируйте своё учреждение или присоединитесь к нему: /school
school-error-pending = Ваша заявка стать координатором ещё не подтверждена.
school-error-not-yours = Заявки в это учреждение подтверждают только его координаторы.
school-error-not-found = Учреждение не найдено.
school-error-age-groups = Отметьте хотя бы один возраст.
school-error-verified-already = Это учреждение уже подтверждено.
school-error-join-decided = По этой заявке уже принято решение.
school-error-join-gone = Заявки больше нет: её отозвали.

## New telebridge

tb-btn-new = 📡 Новый телемост
tb-btn-my = 📋 Мои телемосты
tb-btn-offers = 📣 Открытые предложения ({ $count })
tb-btn-propose = 📡 Предложить телемост
tb-btn-propose-short = 📡 Предложить
tb-btn-any-school = 🌍 Любая школа: { $city }
tb-btn-send = ✅ Отправить предложение
tb-btn-skip-link = Ссылку добавлю позже
tb-btn-keep-link = Оставить прежнюю ссылку
tb-btn-skip-note = Без комментария
tb-btn-keep-note = Оставить прежний комментарий
tb-minutes = { $n } мин

tb-ask-partner = <b>Новый телемост.</b> С кем? Выберите учреждение города-партнёра или сделайте открытое предложение — его сможет принять любая школа того города.
tb-ask-topic = Тема телемоста? Например: «Мой город — город-побратим» или «Новогодние традиции».
tb-ask-age = Для какого возраста?
tb-ask-starts = Когда начало? Напишите дату и время <b>по времени города { $city }</b>, например: 15.03.2027 10:00.
    Предложить можно не позже чем за час до начала.
tb-chosen-start = Начало:
tb-ask-duration = Сколько минут он продлится? Выберите или напишите число от 15 до 180.
tb-ask-link = Ссылка на видеосвязь (Яндекс Телемост, Сферум, Zoom и т. п.), начинается с https://
    Можно добавить позже, но до подтверждения она нужна.
tb-ask-note = Комментарий для школы-партнёра (необязательно): что подготовить, сколько будет детей.
tb-preview-new = <b>Проверьте предложение</b>
tb-preview-counter = <b>Проверьте ваше встречное предложение</b>
tb-preview-reschedule = <b>Проверьте новое время</b>. До ответа другой стороны телемост остаётся в прежнее время.
tb-preview-open-note = Предложение увидят все координаторы города-партнёра; первый, кто примет, станет вашим партнёром.
tb-form-cancelled = Хорошо, ничего не отправлено.
tb-sent-new = Предложение «{ $topic }» отправлено. Бот сообщит, когда школа-партнёр ответит.
tb-sent-open = Открытое предложение «{ $topic }» отправлено всем координаторам города-партнёра.
tb-sent-counter = Встречное предложение по телемосту «{ $topic }» отправлено.
tb-sent-offer-counter = Встречное предложение по телемосту «{ $topic }» отправлено школе, которая его предложила. Пока она не ответила, предложение остаётся открытым и для других школ; если раньше договорится другая школа, бот сообщит.
tb-sent-reschedule = Новое время для телемоста «{ $topic }» предложено. До ответа телемост остаётся в прежнее время.

## The card

tb-card-head = 📡 <b>Телемост «{ $topic }»</b>
tb-card-proposer = 🏫 Предлагает: { $school }
tb-card-partner = 🤝 Партнёр: { $school }
tb-card-open = 🤝 Открытое предложение: любая школа, город { $city }
tb-card-age = 👧 Возраст: { $age }
tb-card-when = 🕒 { $when } (время: { $city })
tb-card-duration = ⏱ { $minutes } мин
tb-card-link = 🔗 { $url }
tb-card-no-link = 🔗 Ссылка на видеосвязь пока не добавлена
tb-card-note = 📝 { $note }
tb-card-status = Статус: { $status }
tb-card-reason = Причина: { $reason }
tb-card-new-time = <b>Предложено новое время:</b>
tb-card-round = Раунд согласования: { $round }

tb-status-proposed = ждёт ответа
tb-status-confirmed = подтверждён
tb-status-rescheduled = подтверждён, согласуется перенос
tb-status-declined = отклонён
tb-status-cancelled = отменён
tb-status-held = состоялся
tb-status-not_held = не состоялся
tb-status-expired = не согласован вовремя
tb-status-taken = открытое предложение приняла другая школа
tb-status-ended = прошёл, ждём отчёта
tb-mark-proposed = ⏳
tb-mark-confirmed = ✅
tb-mark-rescheduled = 🔁
tb-mark-declined = ❌
tb-mark-cancelled = ❌
tb-mark-held = 🏁
tb-mark-not_held = ➖
tb-mark-expired = ⌛
tb-mark-taken = ❌
tb-mark-ended = 📝

tb-btn-accept = ✅ Принять
tb-btn-counter = 🕒 Предложить другое время
tb-btn-decline = ❌ Отклонить
tb-btn-reschedule = 🕒 Перенести
tb-btn-withdraw = ↩️ Отозвать перенос
tb-btn-link = 🔗 Ссылка на видеосвязь
tb-btn-ics = 📅 В календарь
tb-btn-cancel = ❌ Отменить телемост
tb-btn-held = ✅ Да
tb-btn-not-held = Нет / перенесён
tb-btn-upcoming = 📋 Предстоящие
tb-btn-past = 🗂 Прошедшие
tb-btn-no-reason = Без причины
tb-btn-no-report = Без отчёта
tb-btn-no-photo = Без фото
tb-btn-propose-again = 📡 Предложить новое время
tb-any-school = любая школа

## Lists

tb-my-upcoming = <b>Мои телемосты</b>: предстоящих и согласуемых — { $count }.
tb-my-upcoming-empty = Предстоящих телемостов пока нет. Найдите партнёра в «Школы-партнёры» или предложите открытый телемост.
tb-my-past = <b>Прошедшие и закрытые телемосты</b>: { $count }.
tb-my-past-empty = Прошедших телемостов пока нет.
tb-offers = <b>Открытые предложения</b> школ города-партнёра: { $count }. Откройте, чтобы принять или предложить другое время.
tb-offers-empty = Открытых предложений сейчас нет.

## Answers

tb-ask-link-to-accept = Чтобы подтвердить телемост, нужна ссылка на видеосвязь. Пришлите её одним сообщением (начинается с https://).
tb-ask-decline-reason = Напишите причину — её увидит школа-партнёр — или нажмите «Без причины».
tb-ask-cancel-reason = Отменить телемост? Напишите причину — её увидит другая сторона — или нажмите «Без причины».
tb-ask-new-link = Пришлите новую ссылку на видеосвязь (начинается с https://). Другая сторона её получит.
tb-answer-cancelled = Хорошо, ничего не изменилось.
tb-accepted = Телемост подтверждён
tb-confirmed = ✅ <b>Телемост подтверждён.</b> Бот напомнит обеим сторонам заранее. Файл для календаря — ниже.
tb-declined = Вы отклонили предложение телемоста «{ $topic }». Школа-партнёр получила ответ.
tb-reschedule-declined = Перенос телемоста «{ $topic }» отклонён: телемост остаётся в прежнее время.
tb-reschedule-withdrawn = Просьба о переносе отозвана: телемост остаётся в прежнее время
tb-cancelled = Телемост «{ $topic }» отменён. Другая сторона получила уведомление.
tb-link-saved = Ссылка для телемоста «{ $topic }» сохранена, другая сторона её получила.

## Notices

tb-notice-proposal = 📡 <b>Вам предлагают телемост</b> — { $school }.
tb-notice-open = 📣 <b>Открытое предложение телемоста</b> для школ вашего города — { $school }. Первый, кто примет, станет партнёром.
tb-notice-counter = 🕒 <b>Встречное предложение</b> — { $school }. Принять можно только его, прежние варианты больше не действуют.
tb-notice-offer-counter = 🕒 <b>Встречное предложение</b> на ваше открытое предложение — { $school }. Примете его — предложение закроется для других школ; отклоните — оно останется открытым.
tb-notice-reschedule = 🕒 <b>Просьба перенести телемост</b> — { $school }. Пока вы не ответили, он остаётся в прежнее время.
tb-notice-confirmed = ✅ <b>Телемост подтверждён.</b> Бот напомнит заранее. Файл для календаря — следующим сообщением.
tb-notice-declined = ❌ Предложение телемоста «{ $topic }» отклонено — { $school }.
tb-notice-counter-taken = Открытое предложение телемоста «{ $topic }» приняла другая школа — { $school }. Ваше встречное предложение закрыто.
tb-notice-counter-withdrawn = Открытое предложение телемоста «{ $topic }» отозвано — { $school }. Ваше встречное предложение закрыто.
tb-notice-reschedule-declined = Перенос телемоста «{ $topic }» не принят — { $school }. Телемост остаётся в прежнее время.
tb-notice-reschedule-withdrawn = Просьба перенести телемост «{ $topic }» отозвана — { $school }. Телемост остаётся в прежнее время.
tb-notice-cancelled = ❌ Телемост «{ $topic }» отменён — { $school }.
tb-notice-link = 🔗 Новая ссылка на видеосвязь для телемоста «{ $topic }» — { $school }.
tb-ics-caption = Телемост «{ $topic }» для вашего календаря. Если время изменится, откройте новый файл — запись обновится.
tb-ics-caption-cancelled = Телемост «{ $topic }» отменён. Откройте файл — календарь уберёт его или отметит отменённым.
tb-ics-summary = Телемост: { $topic }
tb-ics-description = { $proposer } — { $partner }. Ссылка: { $link }

## Reminders and after it

reminder-telebridge = ⏰ Напоминание: телемост «<b>{ $title }</b>» — { $when }.
    🤝 Партнёр: { $other }
    🕒 { $time } (время: { $city })
    🔗 { $link }
tb-ask-held = 📡 Состоялся ли телемост «{ $title }»? Партнёр: { $other }.
tb-ask-report = Спасибо! Напишите одной строкой, как прошёл телемост: сколько было участников, что получилось. Или нажмите «Без отчёта».
tb-ask-report-photo = Пришлите фото с телемоста, если хотите, или нажмите «Без фото».
tb-report-thanks = Спасибо, отчёт сохранён. Состоявшиеся телемосты учитываются в дорожной карте сотрудничества.
tb-not-held-noted = Отметили: телемост не состоялся. Если его перенесли, предложите новое время.
tb-error-photo-expected = Пришлите, пожалуйста, фото или нажмите «Без фото».

## Errors

tb-error-not-found = Телемост не найден.
tb-error-not-yours = Это телемост другого учреждения: действовать по нему могут только его координаторы.
tb-error-not-your-turn = Сейчас ход другой стороны: дождитесь её ответа.
tb-error-stale-round = Это предложение устарело: действует более новое (раунд { $round }). Откройте карточку телемоста.
tb-error-taken = Это открытое предложение уже приняла другая школа.
tb-error-countered = Ваша школа уже предложила другое время по этому предложению. Дождитесь ответа: он придёт сюда, а предложение видно в «Мои телемосты».
tb-error-open-decline = Открытое предложение нельзя отклонить за всех: просто не отвечайте на него.
tb-error-same-city = Телемост проводится со школой другого города.
tb-error-past = Это время уже прошло. Укажите дату и время в будущем.
tb-error-too-soon = Слишком скоро: другой стороне нужен хотя бы час, чтобы ответить. Выберите время позже.
tb-error-too-far = Телемост можно предложить не дальше чем на год вперёд.
tb-error-time-needed = Укажите и дату, и время начала, например: 15.03.2027 10:00.
tb-error-duration = Продолжительность — от { $low } до { $high } минут.
tb-error-url = Это не похоже на ссылку: нужна ссылка, начинающаяся с http:// или https://, без пробелов.
tb-error-url-required = Чтобы подтвердить телемост, нужна ссылка на видеосвязь.
tb-error-past-accept = Время этого предложения уже прошло: предложите другое время.
tb-error-overlap = В это время у одной из школ уже есть подтверждённый телемост: «{ $topic }». Выберите другое время.
tb-error-withdraw-other = Новое время предложила другая сторона: примите его, предложите другое или отклоните.
tb-error-reschedule-pending = Перенос уже предложен и ждёт ответа другой стороны.
tb-error-started = Телемост уже начался: перенести его нельзя.
tb-error-over = Телемост уже прошёл.
tb-error-not-over = Отметить, состоялся ли телемост, можно после его окончания.
tb-error-reported = Ваша школа уже ответила, состоялся ли этот телемост.
tb-error-state-proposed = Телемост ещё не подтверждён.
tb-error-state-confirmed = Телемост уже подтверждён.
tb-error-state-rescheduled = По этому телемосту уже согласуется перенос.
tb-error-state-declined = Это предложение уже отклонено.
tb-error-state-cancelled = Этот телемост отменён.
tb-error-state-held = Этот телемост уже состоялся.
tb-error-state-not_held = Этот телемост уже отмечен как несостоявшийся.

## Organisers

tb-btn-org = 📊 Телемосты города
tb-btn-org-unverified = ⚠️ Учреждения без подтверждения ({ $count })
tb-org-head = <b>Телемосты: { $city }</b> — по месяцам (состоялись / подтверждены / согласуются / прочие):
tb-org-month = { $month }: 🏁 { $held } · ✅ { $confirmed } · ⏳ { $proposed } · { $other }
tb-org-none = Телемостов пока нет.
tb-org-unverified = Учреждения, которые ждут подтверждения: { $count }. Откройте карточку и нажмите «Подтвердить учреждение».
tb-org-unverified-none = Все учреждения подтверждены.

## Broadcast segment

bc-kind-coord = Координаторам школ
bc-ask-inst-city = Координаторам учреждений какого города?
bc-ask-inst-kind = Каких учреждений?
bc-all-cities = Всех городов
bc-all-kinds = Всех типов
bc-segment-coordinators = координаторы школ

## Personal data (/mydata, /forget)

mydata-section-schools = <b>Школы и телемосты</b>
mydata-section-schools-short = Школы и телемосты
mydata-coordinator = • { $school } ({ $city }) — { $status }, с { $since }
mydata-coordinator-active = координатор
mydata-coordinator-pending = заявка стать координатором
mydata-coordinator-declined = заявка отклонена
mydata-telebridges = • предложений телемостов от вас: { $proposals }, ответов «Состоялся ли телемост?»: { $reports }
forget-erased-coordinator = • роли координатора учреждений и заявки на них: { $count }
forget-kept-telebridges = • телемосты, предложения и отчёты школ: { $count }. Они остаются у школ без вашего имени и Telegram id: это общие договорённости двух учреждений, и состоявшиеся телемосты учитываются в дорожной карте.

## Audit

audit-action-verify = подтверждение
audit-object-institution = учреждение

## Reports on the card

tb-card-report = 📝 { $school }: { $report }
tb-card-report-held = 📝 { $school }: состоялся
tb-card-report-not-held = 📝 { $school }: не состоялся или перенесён
tb-btn-back-card = ← К телемосту
tb-btn-photos = 📷 Фото с телемоста ({ $count })
tb-photo-caption = 📷 Телемост «{ $topic }» — { $school }
school-notice-join-orphan =
    🤝 <b>{ $name }</b> просит стать координатором «{ $school }». У этого учреждения сейчас нет координатора, поэтому решение за организаторами.
