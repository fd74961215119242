## Organisers' tools: the panel, programme and trip forms, status, cancelling a trip.

org-panel =
    <b>Инструменты организатора</b>

    Здесь создаются программы обмена и поездки делегаций, а черновики и все поездки собраны в одном списке. Карточка поездки открывается из списка: там же участники, выгрузка, изменение, статус и отмена.

    Чтобы загрузить программы и поездки из файла, просто отправьте сюда файл YAML или XLSX.
org-btn-new-programme = ➕ Новая программа
org-btn-new-trip = ➕ Новая поездка
org-btn-programmes = 📚 Программы
org-btn-trips = 🗂 Все поездки
org-btn-broadcasts = 📣 Рассылки
org-btn-panel = 🛠 Инструменты организатора
org-btn-open-trip = Открыть карточку поездки
org-btn-to-trip = ← К поездке

org-programmes =
    <b>Программы обмена</b>: { $count }.
    Нажмите на программу, чтобы изменить её.
org-programmes-empty = Программ пока нет. Создайте первую кнопкой «Новая программа» в инструментах организатора.
org-programme-item = { $direction } · { $title }
org-trips =
    <b>Все поездки</b>, включая черновики: { $count }.
    📝 черновик · 🟢 запись открыта · 🔒 запись закрыта · 🏁 завершена · ❌ отменена
org-trips-empty = Поездок пока нет. Создайте первую кнопкой «Новая поездка».
org-trip-item = { $mark } { $date } · { $title }

## Shared form parts

org-btn-keep = Оставить как есть
org-btn-done = Готово
org-btn-save = ✅ Сохранить
org-btn-yes = Да
org-btn-no = Нет
org-btn-no-description = Без описания
org-current = Сейчас: { $value }
org-no-description = без описания
org-form-cancelled = Хорошо, ничего не сохранено.

## The programme form

org-prog-ask-direction = <b>Программа обмена.</b> К какому направлению дорожной карты она относится?
org-prog-ask-title = Напишите название программы, например: «Обмен педагогическим опытом».
org-prog-ask-description = Коротко опишите программу: чем занимаются участники и что получают. Или нажмите «Без описания».
org-prog-ask-audience = Для кого программа? Отметьте сферы деятельности участников и нажмите «Готово». Если не отметить ни одной, программа открыта для всех.
org-audience-selected = ✅ { $role }
org-audience-everyone = для всех
org-prog-preview =
    <b>Проверьте новую программу</b>

    Направление: { $direction }
    Название: { $title }
    Для кого: { $audience }
    Описание: { $description }

    Если всё верно, нажмите «Сохранить».
org-prog-preview-edit =
    <b>Проверьте изменения программы</b>

    Направление: { $direction }
    Название: { $title }
    Для кого: { $audience }
    Описание: { $description }

    Если всё верно, нажмите «Сохранить».
org-prog-created = Программа «{ $title }» создана. Теперь в неё можно добавлять поездки.
org-prog-updated = Программа «{ $title }» сохранена.
org-error-programme-not-found = Программа не найдена: возможно, её удалили. Откройте список программ заново.

## The trip form

org-trip-no-programmes = Поездка принадлежит одной из программ обмена, а программ пока нет. Сначала создайте программу.
org-trip-ask-programme = <b>Поездка делегации.</b> К какой программе она относится?
org-trip-ask-title = Напишите название поездки, например: «Делегация педагогов Сочи в Минск».
org-trip-ask-from-city = Откуда едет делегация?
org-trip-ask-to-city = Куда едет делегация?
org-trip-ask-starts =
    Когда начинается поездка? Напишите дату и, если нужно, время — по времени города { $city }:
    <code>15.03.2027 09:00</code> или просто <code>15.03.2027</code>
org-trip-ask-ends =
    Когда поездка заканчивается? Дата и, если нужно, время по времени города { $city }:
    <code>18.03.2027 20:00</code> или <code>18.03.2027</code> (тогда — до конца дня)
org-trip-ask-deadline =
    До какого момента открыта запись? Она должна закончиться раньше начала поездки. Время — города { $city }:
    <code>01.03.2027 18:00</code> или <code>01.03.2027</code> (тогда — до конца дня)
org-trip-ask-capacity = Сколько мест в делегации? Напишите число от 1 до 10 000.
org-trip-ask-approval = Нужно ли одобрять каждую заявку? «Да» — участник попадёт в список только после вашего решения. «Нет» — сразу, пока есть места.
org-trip-ask-minors = Едут ли в этой поездке несовершеннолетние? «Да» — при записи бот попросит имя родителя или законного представителя и его согласие, без них заявка не будет подана. «Нет» — едут только взрослые.
org-trip-ask-questions-none =
    <b>Вопросы при записи.</b> Кроме имени, города и организации можно спросить, например, должность, нужна ли гостиница или особенности питания.

    Вопросов пока нет.
org-trip-ask-questions =
    <b>Вопросы при записи</b>

    { $questions }

    Добавьте ещё вопрос, удалите лишний или нажмите «Готово».
org-trip-ask-q-kind = Какой это вопрос?
org-trip-ask-q-label = Напишите вопрос так, как его увидит участник, например: «Ваша должность».
org-trip-ask-q-options =
    Напишите варианты ответа, каждый с новой строки (от 2 до 10), например:
    Стандартное
    Вегетарианское
    Без глютена
org-trip-ask-q-required = Ответ на этот вопрос обязателен?
org-trip-ask-description = Опишите поездку: программа визита, что взять с собой, кто сопровождает. Или нажмите «Без описания».
org-trip-ask-status = Сохранить поездку как черновик (её видят только организаторы) или сразу открыть запись?
org-btn-add-question = ➕ Добавить вопрос
org-btn-drop-question = 🗑 { $number }. { $label }
org-btn-questions-done = Готово
org-btn-no-questions = Без вопросов
org-kind-short_text = Короткий текст
org-kind-long_text = Длинный текст
org-kind-choice = Выбор из вариантов
org-kind-yes_no = Да или нет
org-kind-date = Дата
org-question-line = { $number }. { $label } — { $kind }, { $required }
org-question-options = ↳ варианты: { $options }
org-question-required = обязательный
org-question-optional = необязательный
org-preview-no-questions = нет

org-trip-preview =
    <b>Проверьте новую поездку</b>

    Название: { $title }
    Программа: { $programme }
    Маршрут: { $origin } → { $destination }
    Начало: { $starts }
    Окончание: { $ends }
    Запись до: { $deadline }
    (время города { $city })
    Мест: { $capacity }
    Одобрение заявок: { $approval }
    Несовершеннолетние: { $minors }
    Статус: { $status }
    Вопросы:
    { $questions }
    Описание: { $description }

    Если всё верно, нажмите «Сохранить». Чтобы поправить что-то, нажмите на нужное поле.
org-trip-preview-edit =
    <b>Изменение поездки</b>

    Название: { $title }
    Программа: { $programme }
    Маршрут: { $origin } → { $destination }
    Начало: { $starts }
    Окончание: { $ends }
    Запись до: { $deadline }
    (время города { $city })
    Мест: { $capacity }
    Одобрение заявок: { $approval }
    Несовершеннолетние: { $minors }
    Статус: { $status }
    Вопросы:
    { $questions }
    Описание: { $description }

    Выберите, что изменить, и нажмите «Сохранить». Статус меняется кнопкой «Статус» в карточке поездки.
org-field-prog = Программа
org-field-title = Название
org-field-from = Откуда
org-field-to = Куда
org-field-start = Начало
org-field-end = Окончание
org-field-dl = Срок записи
org-field-cap = Места
org-field-appr = Одобрение
org-field-minors = Несовершеннолетние
org-field-qs = Вопросы
org-field-descr = Описание
org-field-status = Статус
org-trip-created = Поездка «{ $title }» сохранена.
org-trip-updated = Изменения поездки «{ $title }» сохранены.

org-error-option-twice = Вариант «{ $option }» указан дважды. Каждый вариант должен быть один раз.
org-error-options-count = Нужно от { $low } до { $high } вариантов, каждый с новой строки.
org-error-questions-max = Вопросов может быть не больше { $limit }.
org-error-capacity-below-taken = Мест не может быть меньше, чем уже занято: { $taken }. Если мест правда меньше, сначала отклоните лишние заявки.
org-error-form-incomplete = В форме не хватает данных. Пожалуйста, заполните её заново.
org-error-not-editable = Отменённую или завершённую поездку изменить нельзя.

## Status

org-status-draft = Черновик
org-status-open = Запись открыта
org-status-closed = Запись закрыта
org-status-finished = Завершена
org-status-cancelled = Отменена
org-status-mark-draft = 📝
org-status-mark-open = 🟢
org-status-mark-closed = 🔒
org-status-mark-finished = 🏁
org-status-mark-cancelled = ❌
org-status-hint-open = Поездка появится в каталоге, и на неё можно будет записаться до окончания срока записи.
org-status-hint-closed = Новые заявки приниматься не будут; записанные и лист ожидания сохранятся, освободившиеся места по-прежнему перейдут следующим в очереди.
org-status-hint-finished = Поездка станет завершённой: запись и лист ожидания больше не действуют.
org-status-hint-draft = Поездку будут видеть только организаторы.
org-status-hint-cancelled = Поездка будет отменена.
org-status-choose =
    <b>{ $title }</b>
    Сейчас: { $status }.

    Выберите новый статус. Чтобы отменить поездку, используйте кнопку отмены поездки в карточке: участники получат сообщение с причиной.
org-status-final =
    <b>{ $title }</b>
    Статус: { $status }. Его больше нельзя изменить.
org-btn-set-status = → { $status }
org-status-confirm =
    Перевести поездку <b>{ $title }</b> из статуса «{ $current }» в «{ $status }»?

    { $hint }
org-btn-status-confirm = Да, изменить статус
org-status-changed = Готово: у поездки «{ $title }» теперь статус «{ $status }».
org-error-status-same = У поездки уже этот статус.
org-error-status-transition = Из текущего статуса в этот перейти нельзя. Откройте карточку поездки заново.
org-error-open-started = Поездка уже началась, открыть запись на неё нельзя.

## Cancelling a trip

org-cancel-ask-reason =
    Отмена поездки <b>{ $title }</b>.

    Напишите причину: её получат все, кто записан или стоит в листе ожидания ({ $count ->
        [one] { $count } человек
        [few] { $count } человека
       *[many] { $count } человек
    }).
org-cancel-confirm =
    Отменить поездку <b>{ $title }</b>?

    Сообщение получат { $count ->
        [one] { $count } человек
        [few] { $count } человека
       *[many] { $count } человек
    }. Причина:
    { $reason }

    Отменённую поездку нельзя вернуть.
org-btn-cancel-confirm = Да, отменить поездку
org-cancel-aborted = Хорошо, поездка не отменена. Ничего не изменилось.
org-cancel-sending = Поездка «{ $title }» отменена. Отправляю сообщения участникам…
org-cancel-done = Поездка «{ $title }» отменена. Сообщение с причиной отправляется участникам: { $delivered } из { $total } (остальные заблокировали бота).
org-error-not-cancellable = Эту поездку уже нельзя отменить: она отменена или завершена.
org-cancel-notice =
    К сожалению, поездка <b>{ $trip }</b> отменена.

    Причина, которую указал организатор:
    { $reason }

    Ваша запись на неё больше не действует. Другие поездки — в разделе «Поездки».
