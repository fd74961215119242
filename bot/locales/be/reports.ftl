## Organisers' reports: a PNG chart and an XLSX with the numbers behind it.

org-btn-report = 📊 Справаздача
report-choose-period = <b>📊 Справаздача</b>: за які перыяд? Даты — па часе вашага горада.
report-btn-quarter = Гэты квартал
report-btn-year = Гэты год
report-btn-custom = Іншыя даты
report-ask-range = Напішыце дзве даты праз прабел або працяжнік — пачатак і канец перыяду, напрыклад: <code>01.01.2027 31.03.2027</code>. Абодва дні ўваходзяць у справаздачу.
report-choose-city = Справаздача { $period }. Па ўсіх гарадах або па адным?
report-btn-all-cities = Усе гарады
report-making = Рыхтую справаздачу…
report-sent = Справаздача гатовая.
report-period = { $first } — { $last }, { $city }
report-all-cities = усе гарады

report-error-range = Не бачу дзвюх дат. Напішыце пачатак і канец перыяду, напрыклад: 01.01.2027 31.03.2027.
report-error-date = Даты «{ $value }» няма ў календары. Праверце дзень і месяц.
report-error-order = Канец перыяду раней за пачатак. Напішыце спачатку пачатак, потым канец.
report-error-too-long = Перыяд даўжэйшы за { $years } гады: выберыце карацейшы.

report-caption =
    <b>📊 Справаздача: { $period }</b>
    { $lines }
report-caption-trips = Паездак адбылося: { $trips }, паехалі { $people } чал.; заявак пададзена: { $registrations }
report-caption-events = Мерапрыемствы: праведзена { $held } з { $events }, падпісчыкаў: { $subscribers }
report-caption-telebridges = Тэлемастоў праведзена: { $count }
report-caption-broadcasts = Рассылак: { $count }, дастаўлена { $delivered } з { $recipients }, недаступныя: { $unreachable }
report-caption-roadmap = Дарожная карта: выканана { $done }, у рабоце { $going } з { $total }
report-table-caption = Табліца з лічбамі справаздачы: па аркушы на кожны раздзел.

report-chart-title = Справаздача: { $period }
report-chart-trips = Паездкі і ўдзельнікі па кірунках
report-chart-trips-legend = Паездак
report-chart-people-legend = Удзельнікаў
report-chart-registrations = Заяўкі па статусах
report-chart-events = Мерапрыемствы (падпісчыкі)
report-chart-event-bar = { $count ->
    [0] няма
   *[other]
        { $count } { $count ->
            [one] мерапрыемства
            [few] мерапрыемствы
           *[other] мерапрыемстваў
        }
        падпісчыкаў: { $subscribers }
}
report-chart-telebridges = Тэлемасты па месяцах
report-chart-broadcasts = Ахоп рассылак
report-chart-roadmap = Дарожная карта па кірунках
report-chart-nothing = за перыяд нічога няма

report-event-held = Праведзена
report-event-upcoming = Наперадзе
report-event-cancelled = Адменена
report-reach-recipients = Атрымальнікаў
report-reach-delivered = Дастаўлена
report-reach-unreachable = Недаступныя
report-reach-failed = Не дастаўлена

report-sheet-summary = Зводка
report-sheet-directions = Паездкі па кірунках
report-sheet-trips = Паездкі
report-sheet-registrations = Заяўкі
report-sheet-events = Мерапрыемствы
report-sheet-telebridges = Тэлемасты
report-sheet-broadcasts = Рассылкі
report-sheet-roadmap = Дарожная карта
report-total = Разам
report-col-figure = Паказчык
report-col-value = Значэнне
report-col-direction = Кірунак
report-col-trips = Паездак адбылося
report-col-people = Удзельнікаў паехала
report-col-trip = Паездка
report-col-start = Пачатак
report-col-end = Заканчэнне
report-col-status = Статус
report-col-registrations = Заявак
report-col-event = Мерапрыемства
report-col-kind = Від
report-col-state = Стан
report-col-subscribers = Падпісчыкаў
report-col-month = Месяц
report-col-held = Тэлемастоў праведзена
report-col-broadcast = Рассылка №
report-col-started = Пачата
# The roadmap sheet's last column: all statuses of a direction (the last row is «Разам»).
report-col-items = Усяго пунктаў
report-sum-period = Перыяд
report-sum-generated = Справаздача сфарміравана
report-sum-trips = Паездак адбылося
report-sum-people = Удзельнікаў паехала
report-sum-registrations = Заявак пададзена
report-sum-events = Мерапрыемстваў
report-sum-events-held = Мерапрыемстваў праведзена
report-sum-subscribers = Падпісчыкаў мерапрыемстваў
report-sum-telebridges = Тэлемастоў праведзена
report-sum-broadcasts = Рассылак
report-sum-roadmap = Пунктаў дарожнай карты
report-sum-roadmap-done = Пунктаў выканана

report-cli-done = Справаздача за { $period } запісана: { $png }, { $xlsx }

# The child process that writes an XLSX (a report, a trip's participants) failed.
workbook-failed = Не атрымалася сабраць табліцу. Даныя не пацярпелі — паспрабуйце яшчэ раз праз хвіліну.
