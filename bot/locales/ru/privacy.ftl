## Personal data (/mydata, /forget), guardian consent, the audit log (/audit).

cmd-mydata = Мои данные в боте
cmd-audit = Журнал действий

## /mydata

mydata-header =
    <b>Ваши данные в боте «{ -bot-name }»</b>
    Telegram id: { $id }
    Ниже — всё, что бот о вас хранит. То же самое в формате JSON — файлом следующим сообщением.
mydata-nothing = Бот ничего о вас не хранит.
mydata-footer = Изменить профиль: /profile. Удалить все свои данные: /forget.
mydata-file-caption = Ваши данные в формате JSON (время в файле — UTC).
mydata-section-profile = <b>Профиль</b>
mydata-section-registrations = <b>Заявки на поездки</b>
mydata-section-subscriptions = <b>Подписки на мероприятия</b>
mydata-section-reminder_optouts = <b>Отказы от напоминаний</b>
mydata-section-organiser = <b>Работа организатора</b>
mydata-section-messages = <b>Сообщения, которые бот отправлял вам сам</b>
mydata-section-profile-short = Профиль
mydata-section-registrations-short = Заявки на поездки
mydata-section-subscriptions-short = Подписки на мероприятия
mydata-section-reminder_optouts-short = Отказы от напоминаний
mydata-section-organiser-short = Записи о работе организатора
mydata-section-messages-short = Сообщения бота вам
mydata-section-erasures = <b>Удаление данных</b>
mydata-section-erasures-short = Запись об удалении данных
mydata-line = { $label }: { $value }
mydata-label-name = Имя
mydata-label-city = Город
mydata-label-role = Сфера
mydata-label-organisation = Организация
mydata-label-language = Язык
mydata-label-phone = Телефон
mydata-label-consent = Согласие на обработку данных
mydata-label-created = Профиль создан
mydata-label-organiser = Организатор
mydata-label-erased = Данные удалены по вашей просьбе
mydata-none = не указано
mydata-yes = да
mydata-registration = • <b>{ $trip }</b>, начало { $starts }: { $status } (заявка от { $created })
mydata-answer = — { $question }: { $answer }
mydata-guardian = — согласие родителя или законного представителя: { $name }, { $when }
mydata-reject-reason = — причина отказа: { $reason }
mydata-subscription = • { $title } — { $city }, { $when } (напоминания с { $since })
mydata-optout = • «{ $title }»: не напоминать (с { $since })
mydata-staff-trips = Вам приходят заявки поездок: { $trips }
mydata-staff-invite = Вы стали организатором по приглашению { $when }
mydata-staff-audit = Записей о ваших действиях в журнале организаторов: { $count }
mydata-staff-audit-about = Записей о выдаче и снятии ваших прав: { $count }
mydata-messages = { $purpose }: { $count }
mydata-messages-queued = Ещё ждут отправки: { $count }
mydata-open-form = Сохранена незаконченная анкета (её сотрёт команда /cancel).
mydata-purpose-notice = Уведомления
mydata-purpose-reminder = Напоминания
mydata-purpose-broadcast = Рассылки

## /forget

forget-nothing = Бот ничего о вас не хранит, удалять нечего.
forget-item = • { $section }{ $count ->
        [1] {""}
       *[other] : { $count }
    }
forget-confirm =
    <b>Удалить ваши данные?</b>

    Сейчас бот хранит о вас:
    { $items }

    Что произойдёт:
    • профиль (имя, город, сфера, организация, телефон, язык, отметка о согласии) будет удалён, права организатора — сняты;
    • места в поездках, которые ещё впереди, освободятся, и их получат следующие в листе ожидания;
    • ответы на вопросы, согласия родителей и подписки будут стёрты, тексты сообщений бота вам — тоже;
    • ваши заявки останутся только обезличенными строками — без имени, телефона и ответов, — чтобы цифры партнёрства (сколько человек записалось и съездило) оставались верными.

    { $backups }

    Это нельзя отменить. Начать заново можно будет командой /start.
forget-btn-confirm = 🗑 Да, удалить мои данные
forget-btn-keep = Нет, оставить
forget-cancelled = Хорошо, ничего не удаляем.
forget-done =
    <b>Готово, ваши данные удалены.</b>

    Стёрто:
    { $erased }
forget-kept =
    Осталось без вашего имени:
    { $kept }
forget-wiped-later = Служебный журнал базы сейчас занят другой программой (например, резервным копированием): последние следы ваших данных в нём бот сотрёт, как только журнал освободится, обычно в течение нескольких минут.
forget-after = Сообщения, которые бот уже прислал вам или организаторам, остаются в чатах Telegram: вернуть их бот не может. Если захотите снова участвовать в обменах, отправьте /start.
forget-backups =
    Из базы бота данные стираются сразу. Резервные копии базы бот делает раз в сутки и хранит { $days ->
        [1] только последнюю копию
        [one] { $days } последнюю копию
        [few] { $days } последние копии
       *[many] { $days } последних копий
    }: в них ваши данные останутся, пока эти копии не сменятся новыми, — примерно { $days ->
        [one] { $days } день
        [few] { $days } дня
       *[many] { $days } дней
    }.
forget-no-backups = Из базы бота данные стираются сразу. Ежедневных резервных копий базы бот не делает.
forget-erased-nothing = • ничего не нашлось
forget-erased-profile = • профиль: имя, город, сфера, организация, телефон, язык и отметка о согласии
forget-erased-organiser = • права организатора
forget-released = • освобождено мест в предстоящих поездках (их получили следующие в листе ожидания): { $count }
forget-erased-answers = • ответы, согласия родителей и причины отказов в заявках на поездки: { $count }
forget-erased-subscriptions = • подписки на мероприятия: { $count }
forget-erased-optouts = • отказы от напоминаний: { $count }
forget-erased-trip-organiser = • поездки, заявки которых приходили вам как организатору: { $count }
forget-cancelled-messages = • неотправленные сообщения вам (отменены): { $count }
forget-erased-messages = • тексты сообщений бота вам и о вас: { $count }
forget-kept-registrations = • заявки на поездки: { $count }. От них остались только поездка, статус и даты, без имени, телефона и ответов: так отчёты о том, сколько человек записалось и съездило, остаются верными.
forget-kept-audit = • записи журнала действий организаторов: { $count }. В них ваш Telegram id без имени: это отчёт о решениях, принятых от имени партнёрства (одобрения, рассылки, изменения поездок), и его хранят для подотчётности.
forget-kept-erasure = • запись о том, что вы попросили удалить данные: только ваш Telegram id и дата. По ней бот снова удалит ваши данные, если базу придётся восстанавливать из резервной копии, сделанной раньше.

## Guardian consent (trips with minors)

trip-for-minors = 👶 Едут несовершеннолетние: при записи нужно согласие родителя или законного представителя.
reg-error-guardian-required = Для этой поездки нужно согласие родителя или законного представителя. Начните запись заново кнопкой «Записаться» в карточке поездки.
reg-guardian-ask =
    <b>Согласие родителя или законного представителя</b>

    В поездке «{ $trip }» участвуют несовершеннолетние. Чтобы подать заявку, нужно согласие одного из родителей или законного представителя участника.

    Напишите его фамилию, имя и отчество. Если заявку подаёте вы сами как родитель или представитель, нажмите кнопку ниже.
reg-guardian-self = Это я: { $name }
reg-guardian-confirm =
    <b>Подтвердите согласие</b>

    Я, { $name }, родитель или законный представитель несовершеннолетнего участника, согласен(на) на его участие в поездке «{ $trip }» и на обработку организаторами поездки его персональных данных, указанных в заявке.

    Заявка будет подана, когда вы нажмёте «Подтверждаю согласие».
reg-guardian-ok = ✅ Подтверждаю согласие
reg-guardian-given = Согласие родителя или законного представителя: { $name }, { $when }
export-col-guardian = Родитель или законный представитель
export-col-guardian-consent = Согласие родителя дано

## /audit

audit-help =
    <b>Журнал действий организаторов и администраторов</b>
    /audit — последние записи, по 10 на странице
    /audit 12345 — действия человека с Telegram id 12345 и действия над ним (выдача и снятие прав)
    /audit trip 7 — всё о поездке 7; так же <code>programme</code>, <code>event</code>, <code>registration</code>, <code>broadcast</code>, <code>person</code>, <code>invite</code>
    /audit roadmap 29 — всё о пункте дорожной карты № 29
    /audit import — все загрузки файлов
    Время — по вашему городу.
audit-error-syntax = Не понял, что искать в журнале.
audit-title = <b>Журнал действий</b> · { $filter } · записей: { $total } · стр. { $page } из { $pages }
audit-empty = Записей нет.
audit-entry =
    { $when } · { $actor }
    { $action } · { $target }
audit-entry-diff =
    { $when } · { $actor }
    { $action } · { $target }
    <i>{ $diff }</i>
audit-actor = { $name } ({ $id })
audit-actor-shell = командная строка
audit-filter-person = человек { $id }
audit-filter-all = все записи
audit-action-grant = выдача прав организатора
audit-action-revoke = снятие прав организатора
audit-action-invite = приглашение организатора
audit-action-create = создание
audit-action-edit = изменение
audit-action-approve = одобрение заявки
audit-action-reject = отклонение заявки
audit-action-cancel = отмена
audit-action-status = смена статуса
audit-action-broadcast = рассылка
audit-action-schedule = рассылка по расписанию
audit-action-stop = остановка рассылки
audit-action-withdraw = отмена запланированной рассылки
audit-action-import = загрузка файла
audit-action-export = выгрузка участников
audit-object-person = человек
audit-object-programme = программа
audit-object-trip = поездка
audit-object-registration = заявка
audit-object-event = мероприятие
audit-object-broadcast = рассылка
audit-object-import = импорт
audit-object-invite = приглашение
audit-target-titled = { $kind } «{ $title }»
audit-target-number = { $kind } №{ $number }
audit-target-person = { $kind } { $name } ({ $id })
audit-target-roadmap = { $kind } №{ $number } «{ $title }»
audit-target-registration = { $kind }: { $person }, «{ $trip }»
audit-person-erased = данные человека удалены
