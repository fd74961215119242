## Trips: catalogue, card, registration, my trips (members' side).

error-organisers-only = Это действие доступно только организаторам.
error-date-format = Дата не распознана. Напишите её так: 15.03.2027
error-datetime-format = Дата не распознана. Напишите так: 15.03.2027 или 15.03.2027 09:30

trip-error-not-found = Поездка не найдена: возможно, её удалили.
trip-error-title = Название не может быть пустым.
trip-error-same-city = Город отправления и город назначения должны различаться.
trip-error-start-past = Дата начала уже прошла. Укажите дату в будущем.
trip-error-end-before-start = Дата окончания не может быть раньше даты начала.
trip-error-deadline = Запись должна заканчиваться раньше начала поездки.
trip-error-deadline-past = Срок записи уже прошёл. Укажите дату в будущем.
trip-error-capacity = Число мест — целое число от { $low } до { $high }.
trip-error-question-keys = У двух вопросов одинаковый ключ; ключи вопросов должны различаться.

reg-error-cancelled = Запись невозможна: поездка отменена.
reg-error-finished = Запись невозможна: поездка уже началась или завершилась.
reg-error-closed = Запись на эту поездку сейчас закрыта.
reg-error-deadline = Запись невозможна: срок записи истёк.
reg-error-already = Вы уже записаны на эту поездку. Статус — в разделе «Мои поездки».
reg-error-missing-answer = Не хватает ответа на обязательный вопрос «{ $question }».
reg-error-not-found = Запись не найдена.
reg-error-not-active = Эта запись уже отменена или отклонена.
reg-error-answers-locked = Ответы больше нельзя изменить: срок записи истёк или запись закрыта.

reg-promoted-approved = Хорошие новости! В поездке «{ $trip }» освободилось место, и оно ваше: вы в списке участников.
reg-promoted-pending = Хорошие новости! В поездке «{ $trip }» освободилось место: вы перешли из листа ожидания, и ваша заявка ждёт одобрения организатора.

## Catalogue and card

trips-list-fit = <b>Поездки для вас</b>: открытая запись, ваша сфера и ваш город. Всего: { $count }.
trips-list-all = <b>Все поездки</b> с открытой или закрытой записью. Всего: { $count }.
trips-empty-fit = Подходящих вам поездок с открытой записью пока нет. Посмотрите все поездки — или загляните позже.
trips-empty-all = Поездок с открытой записью пока нет. Загляните позже.
trips-switch-fit = Только подходящие мне
trips-switch-all = Показать все
trips-back-to-list = « К списку поездок

direction-education = Образование
direction-healthcare = Здравоохранение
direction-youth = Молодёжная политика
direction-culture = Культура
direction-sport = Спорт
direction-business = Бизнес и торговля
direction-resort = Санаторно-курортная сфера
direction-urban_it = IT в градостроительстве
direction-transport = Пассажирские перевозки
direction-investment = Инвестиции

trip-status-draft = черновик
trip-status-open = идёт запись
trip-status-closed = запись закрыта
trip-status-cancelled = поездка отменена
trip-status-finished = поездка завершена
trip-approval-yes = по одобрению организатора
trip-approval-no = без одобрения, по порядку записи

trip-card =
    <b>{ $title }</b>
    Программа: { $programme } ({ $direction })
    Маршрут: { $origin } → { $destination }
    Даты: { $starts } — { $ends }
    Свободных мест: { $left } из { $capacity }{ $waitlisted ->
        [0] {""}
       *[other] , в листе ожидания: { $waitlisted }
    }
    Запись до: { $deadline }
    Участие: { $approval }
    Статус: { $status }
trip-cancel-reason = Причина отмены: { $reason }
trip-description = { $description }
trip-register = ✍️ Записаться
trip-my-status-pending = Ваша заявка ждёт одобрения
trip-my-status-approved = Вы в списке участников
trip-my-status-waitlisted = Вы в листе ожидания
trip-action-ics = 📅 В календарь
trip-action-ppl = 👥 Участники
trip-action-exp = 📥 Выгрузить
trip-action-edit = ✏️ Изменить
trip-action-cap = 🔢 Места
trip-action-status = 🚦 Статус
trip-action-share = 🔗 Поделиться
trip-action-cancel = ✖️ Отменить поездку
trip-share-link =
    Ссылка на поездку «{ $title }»:
    { $link }
    Перешлите её в чат города: по ссылке человек сразу откроет карточку поездки (новичок — после короткого знакомства).
trip-ics-caption = Поездка «{ $title }» для вашего календаря. Если даты изменятся, откройте новый файл — запись в календаре обновится.
trip-ics-description = Поездка { $origin } → { $destination }, программа «{ $programme }».
trip-ics-back = ← К поездке

## Registration form

reg-question =
    <b>{ $trip }</b>
    Вопрос { $number } из { $total }{ $optional }

    { $question }
    <i>{ $hint }</i>
reg-optional = {" "}(необязательный)
reg-hint-short_text = Напишите ответ (до 200 символов).
reg-hint-long_text = Напишите ответ (до 2000 символов).
reg-hint-choice = Выберите вариант кнопкой.
reg-hint-yes_no = Ответьте кнопкой «Да» или «Нет».
reg-hint-date = Напишите дату, например 15.03.2027.
reg-yes = Да
reg-no = Нет
reg-skip = Пропустить
reg-answer-skipped = —
reg-no-questions = Дополнительных вопросов нет.
reg-answer-line = { $question }: <b>{ $answer }</b>
reg-summary =
    <b>Проверьте заявку на поездку «{ $trip }»</b>

    { $answers }
reg-confirm = ✅ Подтвердить
reg-save-answers = ✅ Сохранить ответы
reg-change = ✏️ Изменить ответ
reg-choose-change = Какой ответ изменить?
reg-error-required = На этот вопрос нужно ответить.
reg-form-left = Хорошо, вы вышли из заявки. Ничего не сохранено.
reg-form-cancelled = Заявка отменена, ничего не сохранено.
reg-answers-saved = Ответы сохранены.
reg-result-approved = Готово! Вы записаны на поездку «{ $trip }». Мы напомним о ней заранее.
reg-result-pending = Заявка на поездку «{ $trip }» отправлена. Организатор рассмотрит её, и бот сообщит о решении.
reg-result-waitlisted = Все места на поездку «{ $trip }» заняты, поэтому вы в листе ожидания: ваш номер в очереди — { $position }. Если место освободится, бот сразу сообщит.

## Organisers' decisions

reg-new-for-organiser =
    <b>Новая заявка</b> на поездку «{ $trip }»

    Имя: { $name }
    Организация: { $organisation }
    Сфера: { $role }
    Город: { $city }

    { $answers }
reg-approve = ✅ Одобрить
reg-reject = ❌ Отклонить
reg-status-pending = ждёт одобрения
reg-status-approved = одобрена
reg-status-waitlisted = в листе ожидания
reg-status-rejected = отклонена
reg-status-cancelled = отменена участником
reg-status-trip-cancelled = поездка отменена
reg-status-waitlisted-position = в листе ожидания, номер { $position }
reg-already-decided = Решение уже принято: заявка { $status }.
reg-decision-note = Итог: заявка { $status }.
reg-approved = Ваша заявка на поездку «{ $trip }» одобрена. До встречи в поездке!
reg-rejected = К сожалению, ваша заявка на поездку «{ $trip }» отклонена организатором.
reg-rejected-with-reason =
    К сожалению, ваша заявка на поездку «{ $trip }» отклонена организатором.
    Причина: { $reason }
reg-ask-reason = Напишите причину отказа — её увидит человек. Или нажмите «Без причины».
reg-reason-asked = Причина отказа уже спрошена ниже: напишите её или нажмите «Без причины».
reg-no-reason = Без причины
reg-rejected-done = Заявка отклонена, человек получил уведомление.
reg-reject-cancelled = Хорошо, заявка остаётся без решения.

## My trips

mytrips-empty = Вы пока никуда не записаны. Откройте «Поездки», чтобы найти подходящую.
mytrips = <b>Мои поездки</b>

    { $lines }
mytrips-line = • { $trip } — { $status }
reg-card =
    <b>{ $trip }</b>
    Даты: { $starts } — { $ends }
    Статус: { $status }

    { $answers }
reg-change-answers = ✏️ Изменить ответы
reg-leave = Отменить участие
reg-open-trip = Открыть поездку
reg-leave-confirm = Отменить участие в поездке «{ $trip }»? Место перейдёт следующему в листе ожидания.
reg-leave-yes = Да, отменить участие
reg-leave-no = Нет, оставить
reg-left = Участие отменено. Если передумаете, запишитесь снова, пока идёт запись.
reg-error-trip-not-running = Поездка отменена или уже завершилась: решение по заявке больше не нужно.
