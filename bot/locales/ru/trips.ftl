## Trips: catalogue, card, registration, my trips (members' side).

error-organisers-only = Это действие доступно только организаторам.
error-date-format = Дата не распознана. Напишите её так: 15.03.2027
error-datetime-format = Дата не распознана. Напишите так: 15.03.2027 или 15.03.2027 09:30
error-choice = Пожалуйста, выберите один из вариантов кнопкой.

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
