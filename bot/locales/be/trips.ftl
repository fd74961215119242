## Trips: catalogue, card, registration, my trips (members' side).

error-organisers-only = Гэтае дзеянне даступнае толькі арганізатарам.
error-date-format = Дата не распазнана. Напішыце яе так: 15.03.2027
error-datetime-format = Дата не распазнана. Напішыце так: 15.03.2027 або 15.03.2027 09:30

trip-error-not-found = Паездка не знойдзена: магчыма, яе выдалілі.
trip-error-title = Назва не можа быць пустой.
trip-error-same-city = Горад адпраўлення і горад прызначэння павінны адрознівацца.
trip-error-start-past = Дата пачатку ўжо мінула. Пазначце дату ў будучыні.
trip-error-end-before-start = Дата заканчэння не можа быць раней за дату пачатку.
trip-error-deadline = Запіс павінен заканчвацца раней за пачатак паездкі.
trip-error-deadline-past = Тэрмін запісу ўжо мінуў. Пазначце дату ў будучыні.
trip-error-capacity = Колькасць месцаў — цэлы лік ад { $low } да { $high }.
trip-error-question-keys = У двух пытанняў аднолькавы ключ; ключы пытанняў павінны адрознівацца.

reg-error-cancelled = Запіс немагчымы: паездка адменена.
reg-error-finished = Запіс немагчымы: паездка ўжо пачалася або завяршылася.
reg-error-closed = Запіс на гэтую паездку зараз закрыты.
reg-error-deadline = Запіс немагчымы: тэрмін запісу скончыўся.
reg-error-already = Вы ўжо запісаныя на гэтую паездку. Статус — у раздзеле «Мае паездкі».
reg-error-missing-answer = Не хапае адказу на абавязковае пытанне «{ $question }».
reg-error-not-found = Запіс не знойдзены.
reg-error-not-active = Гэты запіс ужо адменены або адхілены.
reg-error-answers-locked = Адказы больш нельга змяніць: тэрмін запісу скончыўся або запіс закрыты.

reg-promoted-approved = Добрыя навіны! У паездцы «{ $trip }» вызвалілася месца, і яно ваша: вы ў спісе ўдзельнікаў.
reg-promoted-pending = Добрыя навіны! У паездцы «{ $trip }» вызвалілася месца: вы перайшлі з ліста чакання, і ваша заяўка чакае адабрэння арганізатара.

## Catalogue and card

trips-list-fit = <b>Паездкі для вас</b>: адкрыты запіс, ваша сфера і ваш горад. Усяго: { $count }.
trips-list-all = <b>Усе паездкі</b> з адкрытым або закрытым запісам. Усяго: { $count }.
trips-empty-fit = Адпаведных вам паездак з адкрытым запісам пакуль няма. Паглядзіце ўсе паездкі — або зазірніце пазней.
trips-empty-all = Паездак з адкрытым запісам пакуль няма. Зазірніце пазней.
trips-switch-fit = Толькі адпаведныя мне
trips-switch-all = Паказаць усе
trips-back-to-list = « Да спісу паездак

direction-education = Адукацыя
direction-healthcare = Ахова здароўя
direction-youth = Моладзевая палітыка
direction-culture = Культура
direction-sport = Спорт
direction-business = Бізнес і гандаль
direction-resort = Санаторна-курортная сфера
direction-urban_it = IT у горадабудаўніцтве
direction-transport = Пасажырскія перавозкі
direction-investment = Інвестыцыі

trip-status-draft = чарнавік
trip-status-open = ідзе запіс
trip-status-closed = запіс закрыты
trip-status-cancelled = паездка адменена
trip-status-finished = паездка завершана
trip-approval-yes = па адабрэнні арганізатара
trip-approval-no = без адабрэння, па парадку запісу

trip-card =
    <b>{ $title }</b>
    Праграма: { $programme } ({ $direction })
    Маршрут: { $origin } → { $destination }
    Даты: { $starts } — { $ends }
    Вольных месцаў: { $left } з { $capacity }{ $waitlisted ->
        [0] {""}
       *[other] , у лісце чакання: { $waitlisted }
    }
    Запіс да: { $deadline }
    Удзел: { $approval }
    Статус: { $status }
trip-cancel-reason = Прычына адмены: { $reason }
trip-description = { $description }
trip-register = ✍️ Запісацца
trip-my-status-pending = Ваша заяўка чакае адабрэння
trip-my-status-approved = Вы ў спісе ўдзельнікаў
trip-my-status-waitlisted = Вы ў лісце чакання
trip-action-ics = 📅 У каляндар
trip-action-ppl = 👥 Удзельнікі
trip-action-exp = 📥 Выгрузіць
trip-action-edit = ✏️ Змяніць
trip-action-cap = 🔢 Месцы
trip-action-status = 🚦 Статус
trip-action-share = 🔗 Падзяліцца
trip-action-cancel = ✖️ Адмяніць паездку
trip-share-link =
    Спасылка на паездку «{ $title }»:
    { $link }
    Перашліце яе ў чат горада: па спасылцы чалавек адразу адкрые картку паездкі (навічок — пасля кароткага знаёмства).
trip-ics-caption = Паездка «{ $title }» для вашага каляндара. Калі даты зменяцца, адкрыйце новы файл — запіс у календары абновіцца.
trip-ics-description = Паездка { $origin } → { $destination }, праграма «{ $programme }».
trip-ics-back = ← Да паездкі

## Registration form

reg-question =
    <b>{ $trip }</b>
    Пытанне { $number } з { $total }{ $optional }

    { $question }
    <i>{ $hint }</i>
reg-optional = {" "}(неабавязковае)
reg-hint-short_text = Напішыце адказ (да 200 сімвалаў).
reg-hint-long_text = Напішыце адказ (да 2000 сімвалаў).
reg-hint-choice = Выберыце варыянт кнопкай.
reg-hint-yes_no = Адкажыце кнопкай «Так» або «Не».
reg-hint-date = Напішыце дату, напрыклад 15.03.2027.
reg-yes = Так
reg-no = Не
reg-skip = Прапусціць
reg-answer-skipped = —
reg-no-questions = Дадатковых пытанняў няма.
reg-answer-line = { $question }: <b>{ $answer }</b>
reg-summary =
    <b>Праверце заяўку на паездку «{ $trip }»</b>

    { $answers }
reg-confirm = ✅ Пацвердзіць
reg-save-answers = ✅ Захаваць адказы
reg-change = ✏️ Змяніць адказ
reg-choose-change = Які адказ змяніць?
reg-error-required = На гэтае пытанне трэба адказаць.
reg-form-left = Добра, вы выйшлі з заяўкі. Нічога не захавана.
reg-form-cancelled = Заяўка адменена, нічога не захавана.
reg-answers-saved = Адказы захаваны.
reg-result-approved = Гатова! Вы запісаныя на паездку «{ $trip }». Мы нагадаем пра яе загадзя.
reg-result-pending = Заяўка на паездку «{ $trip }» адпраўлена. Арганізатар разгледзіць яе, і бот паведаміць пра рашэнне.
reg-result-waitlisted = Усе месцы на паездку «{ $trip }» занятыя, таму вы ў лісце чакання: ваш нумар у чарзе — { $position }. Калі месца вызваліцца, бот адразу паведаміць.

## Organisers' decisions

reg-new-for-organiser =
    <b>Новая заяўка</b> на паездку «{ $trip }»

    Імя: { $name }
    Арганізацыя: { $organisation }
    Сфера: { $role }
    Горад: { $city }

    { $answers }
reg-approve = ✅ Адабрыць
reg-reject = ❌ Адхіліць
reg-status-pending = чакае адабрэння
reg-status-approved = адобрана
reg-status-waitlisted = у лісце чакання
reg-status-rejected = адхілена
reg-status-cancelled = адменена ўдзельнікам
reg-status-trip-cancelled = паездка адменена
reg-status-waitlisted-position = у лісце чакання, нумар { $position }
reg-already-decided = Рашэнне ўжо прынята: заяўка { $status }.
reg-decision-note = Вынік: заяўка { $status }.
reg-approved = Ваша заяўка на паездку «{ $trip }» адобрана. Да сустрэчы ў паездцы!
reg-rejected = На жаль, ваша заяўка на паездку «{ $trip }» адхілена арганізатарам.
reg-rejected-with-reason =
    На жаль, ваша заяўка на паездку «{ $trip }» адхілена арганізатарам.
    Прычына: { $reason }
reg-ask-reason = Напішыце прычыну адмовы — яе ўбачыць чалавек. Або націсніце «Без прычыны».
reg-reason-asked = Прычына адмовы ўжо спытана ніжэй: напішыце яе або націсніце «Без прычыны».
reg-no-reason = Без прычыны
reg-rejected-done = Заяўка адхілена, чалавек атрымаў паведамленне.
reg-reject-cancelled = Добра, заяўка застаецца без рашэння.

## My trips

mytrips-empty = Вы пакуль нікуды не запісаныя. Адкрыйце «Паездкі», каб знайсці адпаведную.
mytrips = <b>Мае паездкі</b>

    { $lines }
mytrips-line = • { $trip } — { $status }
reg-card =
    <b>{ $trip }</b>
    Даты: { $starts } — { $ends }
    Статус: { $status }

    { $answers }
reg-change-answers = ✏️ Змяніць адказы
reg-leave = Адмяніць удзел
reg-open-trip = Адкрыць паездку
reg-leave-confirm = Адмяніць удзел у паездцы «{ $trip }»? Месца пяройдзе наступнаму ў лісце чакання.
reg-leave-yes = Так, адмяніць удзел
reg-leave-no = Не, пакінуць
reg-left = Удзел адменены. Калі перадумаеце, запішыцеся зноў, пакуль ідзе запіс.
reg-error-trip-not-running = Паездка адменена або ўжо завяршылася: рашэнне па заяўцы больш не патрэбнае.
