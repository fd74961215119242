## The roadmap: progress by direction, items, organisers' changes, followers.

menu-roadmap = 🗺 Дарожная карта
cmd-roadmap = Дарожная карта партнёрства: што зроблена
cmd-report = Справаздача: графікі і табліца за перыяд

roadmap-status-planned = Запланаваны
roadmap-status-in_progress = У рабоце
roadmap-status-done = Выкананы
roadmap-status-postponed = Перанесены
roadmap-status-cancelled = Адменены
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
roadmap-responsible-both = абодва гарады

roadmap-error-due = Тэрмін «{ $value }» незразумелы. Напішыце год (2026) або квартал: 2026-Q2, II квартал 2026.
roadmap-error-not-found = Такога пункта дарожнай карты няма (магчыма, яго выдалілі).
roadmap-error-status-same = У пункта ўжо гэты статус.
roadmap-error-link-gone = Гэтага запісу больш няма. Абнавіце спіс.

## The overview

roadmap-empty =
    <b>🗺 Дарожная карта</b>

    Пунктаў дарожнай карты пакуль няма: арганізатары загрузяць іх файлам імпарту.
roadmap-head =
    <b>🗺 Дарожная карта партнёрства</b>
    Пунктаў: { $total } · ✅ выканана { $done } · 🔄 у рабоце { $going } · 🗓 запланавана { $planned }
roadmap-direction-line = <b>{ $direction }</b> — выканана { $done } з { $total }
roadmap-direction-bar = <code>{ $bar }</code> ✅ { $done } · 🔄 { $going } · 🗓 { $planned }{ $extra }
roadmap-direction-extra = { $postponed ->
    [0] {""}
   *[other] {" "}· ⏸ { $postponed }
}{ $cancelled ->
    [0] {""}
   *[other] {" "}· ✖️ { $cancelled }
}
roadmap-following = 🔔 Вы сочыце за дарожнай картай: бот паведаміць пра кожную змену статусу пункта.
roadmap-not-following = Націсніце «Сачыць», каб даведвацца пра кожную змену статусу пункта.
roadmap-btn-direction = { $direction } · { $done }/{ $total }
roadmap-btn-follow = 🔔 Сачыць за дарожнай картай
roadmap-btn-unfollow = 🔕 Не сачыць
roadmap-followed = Вы сочыце за дарожнай картай.
roadmap-unfollowed = Вы больш не сочыце за дарожнай картай.
roadmap-btn-overview = 🗺 Дарожная карта

## A direction

roadmap-direction-empty = <b>{ $direction }</b>: пунктаў няма.
roadmap-direction-head = <b>{ $direction }</b>: { $total ->
    [one] { $total } пункт
    [few] { $total } пункты
   *[other] { $total } пунктаў
}, выканана { $done }. Выберыце пункт:
roadmap-item-label = { $mark } { $number }. { $title }

## An item's card

roadmap-card-title = <b>{ $number }. { $title }</b>
roadmap-card-direction = Кірунак: { $direction }
roadmap-card-responsible = Адказвае: { $side }
roadmap-card-due = Тэрмін: { $due }
roadmap-card-status = Статус: { $mark } { $status }
roadmap-card-notes = Нататкі: { $notes }
roadmap-card-progress = <b>Што ўжо зроблена</b>
roadmap-card-trips = Паездкі адбыліся: { $trips }, удзельнікаў: { $people }
roadmap-card-events = Мерапрыемствы праведзены: { $events }
roadmap-card-telebridges = Тэлемасты праведзены: { $count }
roadmap-card-telebridges-all = Тэлемасты праведзены: { $count } (улічваюцца ўсе тэлемасты, якія адбыліся)
roadmap-card-linked-trips = <b>Паездкі</b>
roadmap-card-trip = • { $date } { $title } — { $status }, адобрана { $approved }
roadmap-card-linked-events = <b>Мерапрыемствы</b>
roadmap-card-event = • { $date } { $title } ({ $city }){ $cancelled }
roadmap-card-event-cancelled = {" "}— адменена
roadmap-card-more = … і яшчэ { $count }
roadmap-card-history = <b>Гісторыя статусаў</b>
roadmap-card-history-line = • { $when }: { $old } → { $new } ({ $who })
roadmap-card-history-who = арганізатар { $id }
roadmap-card-history-cli = загрузка файла з каманднага радка

roadmap-btn-status = 🔄 Статус
roadmap-btn-notes = 📝 Нататкі
roadmap-btn-trips = ✈️ Паездкі ({ $count })
roadmap-btn-events = 🎪 Мерапрыемствы ({ $count })
roadmap-btn-telebridges = 📡 Тэлемасты ({ $count })
roadmap-btn-all-on = ✅ Улічваць усе тэлемасты
roadmap-btn-all-off = ▫️ Улічваць усе тэлемасты
roadmap-btn-to-direction = ← Да спіса
roadmap-btn-open = Адкрыць пункт
roadmap-btn-back-card = ← Да пункта

## Organisers' changes

roadmap-status-choose = Пункт { $number } «{ $title }» — цяпер: { $status }. Выберыце новы статус:
roadmap-status-confirm =
    Змяніць статус пункта { $number } «{ $title }»: { $old } → { $new }?
    Усе, хто сочыць за дарожнай картай, атрымаюць паведамленне.
roadmap-btn-set-status = { $mark } { $status }
roadmap-btn-status-confirm = Так, змяніць статус
roadmap-status-changed = Статус зменены. Паведамленняў пастаўлена ў чаргу: { $count }.
roadmap-notes-ask = Дашліце новыя нататкі да пункта { $number } адным паведамленнем (да { $limit } сімвалаў). Ранейшыя нататкі будуць заменены.
roadmap-btn-clear-notes = Ачысціць нататкі
roadmap-notes-saved = Нататкі захаваны.
roadmap-notes-cleared = Нататкі ачышчаны.
roadmap-pick-trip = Паездкі пункта { $number } «{ $title }» (прывязана: { $linked }). Націсніце, каб прывязаць або адвязаць:
roadmap-pick-trip-none = Паездак пакуль няма (чарнавікі не паказваюцца).
roadmap-pick-event = Мерапрыемствы пункта { $number } «{ $title }» (прывязана: { $linked }). Націсніце, каб прывязаць або адвязаць:
roadmap-pick-event-none = Мерапрыемстваў пакуль няма.
roadmap-pick-telebridge = Тэлемасты пункта { $number } «{ $title }» (прывязана: { $linked }; паказаны ўзгодненыя і тыя, што адбыліся). Націсніце, каб прывязаць або адвязаць:
roadmap-pick-telebridge-none = Узгодненых тэлемастоў і тых, што адбыліся, пакуль няма.
roadmap-pick-label = { $mark } { $date } { $title }
roadmap-pick-on = ☑️
roadmap-pick-off = ▫️
roadmap-linked = Прывязана да пункта.
roadmap-unlinked = Адвязана ад пункта.
roadmap-all-on-done = Цяпер для пункта ўлічваюцца ўсе тэлемасты, якія адбыліся.
roadmap-all-off-done = Цяпер для пункта ўлічваюцца толькі прывязаныя тэлемасты.

## Notices to followers

roadmap-notice =
    🗺 <b>Дарожная карта</b>: пункт { $number } «{ $title }»
    Статус: { $old } → <b>{ $new }</b>

## Personal data

mydata-section-roadmap = <b>Дарожная карта</b>
mydata-section-roadmap-short = Падпіска на дарожную карту
mydata-roadmap-following = Вы сочыце за дарожнай картай з { $since }.
mydata-roadmap-changes = Змен статусаў пунктаў, зробленых вамі як арганізатарам: { $count }.
forget-erased-roadmap = • падпіска на дарожную карту: { $count }
forget-kept-roadmap-changes = • змены статусаў пунктаў дарожнай карты, зробленыя вамі як арганізатарам: { $count }. У гісторыі пункта застаецца толькі ваш Telegram id, без імя.

audit-object-roadmap = пункт дарожнай карты
audit-object-report = справаздача
