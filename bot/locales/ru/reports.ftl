## Organisers' reports: a PNG chart and an XLSX with the numbers behind it.

org-btn-report = 📊 Отчёт
report-choose-period = <b>📊 Отчёт</b>: за какой период? Даты — по времени вашего города.
report-btn-quarter = Этот квартал
report-btn-year = Этот год
report-btn-custom = Другие даты
report-ask-range = Напишите две даты через пробел или тире — начало и конец периода, например: <code>01.01.2027 31.03.2027</code>. Оба дня входят в отчёт.
report-choose-city = Отчёт { $period }. По всем городам или по одному?
report-btn-all-cities = Все города
report-making = Готовлю отчёт…
report-sent = Отчёт готов.
report-period = { $first } — { $last }, { $city }
report-all-cities = все города

report-error-range = Не вижу двух дат. Напишите начало и конец периода, например: 01.01.2027 31.03.2027.
report-error-date = Даты «{ $value }» нет в календаре. Проверьте день и месяц.
report-error-order = Конец периода раньше начала. Напишите сначала начало, потом конец.
report-error-too-long = Период длиннее { $years } лет: выберите покороче.

report-caption =
    <b>📊 Отчёт: { $period }</b>
    { $lines }
report-caption-trips = Поездок состоялось: { $trips }, поехали { $people } чел.; заявок подано: { $registrations }
report-caption-events = Мероприятия: проведено { $held } из { $events }, подписчиков: { $subscribers }
report-caption-telebridges = Телемостов проведено: { $count }
report-caption-broadcasts = Рассылок: { $count }, доставлено { $delivered } из { $recipients }, недоступны: { $unreachable }
report-caption-roadmap = Дорожная карта: выполнено { $done }, в работе { $going } из { $total }
report-table-caption = Таблица с цифрами отчёта: по листу на каждый раздел.

report-chart-title = Отчёт: { $period }
report-chart-trips = Поездки и участники по направлениям
report-chart-trips-legend = Поездок
report-chart-people-legend = Участников
report-chart-registrations = Заявки по статусам
report-chart-events = Мероприятия (подписчики)
report-chart-event-bar = { $count ->
    [0] нет
   *[other]
        { $count } { $count ->
            [one] мероприятие
            [few] мероприятия
           *[other] мероприятий
        }
        подписчиков: { $subscribers }
}
report-chart-telebridges = Телемосты по месяцам
report-chart-broadcasts = Охват рассылок
report-chart-roadmap = Дорожная карта по направлениям
report-chart-nothing = за период ничего нет

report-event-held = Проведено
report-event-upcoming = Впереди
report-event-cancelled = Отменено
report-reach-recipients = Получателей
report-reach-delivered = Доставлено
report-reach-unreachable = Недоступны
report-reach-failed = Не доставлено

report-sheet-summary = Сводка
report-sheet-directions = Поездки по направлениям
report-sheet-trips = Поездки
report-sheet-registrations = Заявки
report-sheet-events = Мероприятия
report-sheet-telebridges = Телемосты
report-sheet-broadcasts = Рассылки
report-sheet-roadmap = Дорожная карта
report-total = Итого
report-col-figure = Показатель
report-col-value = Значение
report-col-direction = Направление
report-col-trips = Поездок состоялось
report-col-people = Участников поехало
report-col-trip = Поездка
report-col-start = Начало
report-col-end = Окончание
report-col-status = Статус
report-col-registrations = Заявок
report-col-event = Мероприятие
report-col-kind = Вид
report-col-state = Состояние
report-col-subscribers = Подписчиков
report-col-month = Месяц
report-col-held = Телемостов проведено
report-col-broadcast = Рассылка №
report-col-started = Начата
# The roadmap sheet's last column: all statuses of a direction (the last row is «Итого»).
report-col-items = Всего пунктов
report-sum-period = Период
report-sum-generated = Отчёт сформирован
report-sum-trips = Поездок состоялось
report-sum-people = Участников поехало
report-sum-registrations = Заявок подано
report-sum-events = Мероприятий
report-sum-events-held = Мероприятий проведено
report-sum-subscribers = Подписчиков мероприятий
report-sum-telebridges = Телемостов проведено
report-sum-broadcasts = Рассылок
report-sum-roadmap = Пунктов дорожной карты
report-sum-roadmap-done = Пунктов выполнено

report-cli-done = Отчёт за { $period } записан: { $png }, { $xlsx }

# The child process that writes an XLSX (a report, a trip's participants) failed.
workbook-failed = Не получилось собрать таблицу. Данные не пострадали — попробуйте ещё раз через минуту.
