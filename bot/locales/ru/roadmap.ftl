## The roadmap: progress by direction, items, organisers' changes, followers.

menu-roadmap = 🗺 Дорожная карта
cmd-roadmap = Дорожная карта партнёрства: что сделано
cmd-report = Отчёт: графики и таблица за период

roadmap-status-planned = Запланирован
roadmap-status-in_progress = В работе
roadmap-status-done = Выполнен
roadmap-status-postponed = Перенесён
roadmap-status-cancelled = Отменён
roadmap-mark-planned = 🗓
roadmap-mark-in_progress = 🔄
roadmap-mark-done = ✅
roadmap-mark-postponed = ⏸
roadmap-mark-cancelled = ✖️

roadmap-due-year = { $year } год
roadmap-due-quarter = { $quarter ->
    [1] I
    [2] II
    [3] III
   *[4] IV
} квартал { $year }
roadmap-responsible-both = оба города

roadmap-error-due = Срок «{ $value }» не понятен. Напишите год (2026) или квартал: 2026-Q2, II квартал 2026.
roadmap-error-not-found = Такого пункта дорожной карты нет (возможно, его удалили).
roadmap-error-status-same = У пункта уже этот статус.
roadmap-error-link-gone = Этой записи больше нет. Обновите список.

## The overview

roadmap-empty =
    <b>🗺 Дорожная карта</b>

    Пунктов дорожной карты пока нет: организаторы загрузят их файлом импорта.
roadmap-head =
    <b>🗺 Дорожная карта партнёрства</b>
    Пунктов: { $total } · ✅ выполнено { $done } · 🔄 в работе { $going } · 🗓 запланировано { $planned }
roadmap-direction-line = <b>{ $direction }</b> — выполнено { $done } из { $total }
roadmap-direction-bar = <code>{ $bar }</code> ✅ { $done } · 🔄 { $going } · 🗓 { $planned }{ $extra }
roadmap-direction-extra = { $postponed ->
    [0] {""}
   *[other] {" "}· ⏸ { $postponed }
}{ $cancelled ->
    [0] {""}
   *[other] {" "}· ✖️ { $cancelled }
}
roadmap-following = 🔔 Вы следите за дорожной картой: бот сообщит о каждой смене статуса пункта.
roadmap-not-following = Нажмите «Следить», чтобы узнавать о каждой смене статуса пункта.
roadmap-btn-direction = { $direction } · { $done }/{ $total }
roadmap-btn-follow = 🔔 Следить за дорожной картой
roadmap-btn-unfollow = 🔕 Не следить
roadmap-followed = Вы следите за дорожной картой.
roadmap-unfollowed = Вы больше не следите за дорожной картой.
roadmap-btn-overview = 🗺 Дорожная карта

## A direction

roadmap-direction-empty = <b>{ $direction }</b>: пунктов нет.
roadmap-direction-head = <b>{ $direction }</b>: { $total ->
    [one] { $total } пункт
    [few] { $total } пункта
   *[other] { $total } пунктов
}, выполнено { $done }. Выберите пункт:
roadmap-item-label = { $mark } { $number }. { $title }

## An item's card

roadmap-card-title = <b>{ $number }. { $title }</b>
roadmap-card-direction = Направление: { $direction }
roadmap-card-responsible = Отвечает: { $side }
roadmap-card-due = Срок: { $due }
roadmap-card-status = Статус: { $mark } { $status }
roadmap-card-notes = Заметки: { $notes }
roadmap-card-progress = <b>Что уже сделано</b>
roadmap-card-trips = Поездки состоялись: { $trips }, участников: { $people }
roadmap-card-events = Мероприятия проведены: { $events }
roadmap-card-telebridges = Телемосты проведены: { $count }
roadmap-card-telebridges-all = Телемосты проведены: { $count } (считаются все состоявшиеся телемосты)
roadmap-card-linked-trips = <b>Поездки</b>
roadmap-card-trip = • { $date } { $title } — { $status }, одобрено { $approved }
roadmap-card-linked-events = <b>Мероприятия</b>
roadmap-card-event = • { $date } { $title } ({ $city }){ $cancelled }
roadmap-card-event-cancelled = {" "}— отменено
roadmap-card-more = … и ещё { $count }
roadmap-card-history = <b>История статусов</b>
roadmap-card-history-line = • { $when }: { $old } → { $new } ({ $who })
roadmap-card-history-who = организатор { $id }
roadmap-card-history-cli = загрузка файла из командной строки

roadmap-btn-status = 🔄 Статус
roadmap-btn-notes = 📝 Заметки
roadmap-btn-trips = ✈️ Поездки ({ $count })
roadmap-btn-events = 🎪 Мероприятия ({ $count })
roadmap-btn-telebridges = 📡 Телемосты ({ $count })
roadmap-btn-all-on = ✅ Считать все телемосты
roadmap-btn-all-off = ▫️ Считать все телемосты
roadmap-btn-to-direction = ← К списку
roadmap-btn-open = Открыть пункт
roadmap-btn-back-card = ← К пункту

## Organisers' changes

roadmap-status-choose = Пункт { $number } «{ $title }» — сейчас: { $status }. Выберите новый статус:
roadmap-status-confirm =
    Изменить статус пункта { $number } «{ $title }»: { $old } → { $new }?
    Все, кто следит за дорожной картой, получат уведомление.
roadmap-btn-set-status = { $mark } { $status }
roadmap-btn-status-confirm = Да, изменить статус
roadmap-status-changed = Статус изменён. Уведомлений поставлено в очередь: { $count }.
roadmap-notes-ask = Пришлите новые заметки к пункту { $number } одним сообщением (до { $limit } символов). Прежние заметки будут заменены.
roadmap-btn-clear-notes = Очистить заметки
roadmap-notes-saved = Заметки сохранены.
roadmap-notes-cleared = Заметки очищены.
roadmap-pick-trip = Поездки пункта { $number } «{ $title }» (привязано: { $linked }). Нажмите, чтобы привязать или отвязать:
roadmap-pick-trip-none = Поездок пока нет (черновики не показываются).
roadmap-pick-event = Мероприятия пункта { $number } «{ $title }» (привязано: { $linked }). Нажмите, чтобы привязать или отвязать:
roadmap-pick-event-none = Мероприятий пока нет.
roadmap-pick-telebridge = Телемосты пункта { $number } «{ $title }» (привязано: { $linked }; показаны согласованные и состоявшиеся). Нажмите, чтобы привязать или отвязать:
roadmap-pick-telebridge-none = Согласованных и состоявшихся телемостов пока нет.
roadmap-pick-label = { $mark } { $date } { $title }
roadmap-pick-on = ☑️
roadmap-pick-off = ▫️
roadmap-linked = Привязано к пункту.
roadmap-unlinked = Отвязано от пункта.
roadmap-all-on-done = Теперь для пункта считаются все состоявшиеся телемосты.
roadmap-all-off-done = Теперь для пункта считаются только привязанные телемосты.

## Notices to followers

roadmap-notice =
    🗺 <b>Дорожная карта</b>: пункт { $number } «{ $title }»
    Статус: { $old } → <b>{ $new }</b>

## Personal data

mydata-section-roadmap = <b>Дорожная карта</b>
mydata-section-roadmap-short = Подписка на дорожную карту
mydata-roadmap-following = Вы следите за дорожной картой с { $since }.
mydata-roadmap-changes = Изменений статусов пунктов, сделанных вами как организатором: { $count }.
forget-erased-roadmap = • подписка на дорожную карту: { $count }
forget-kept-roadmap-changes = • изменения статусов пунктов дорожной карты, сделанные вами как организатором: { $count }. В истории пункта остаётся только ваш Telegram id, без имени.

audit-object-roadmap = пункт дорожной карты
audit-object-report = отчёт
