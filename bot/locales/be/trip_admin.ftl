## Organisers' tools: the panel, programme and trip forms, status, cancelling a trip.

org-panel =
    <b>Інструменты арганізатара</b>

    Тут ствараюцца праграмы абмену і паездкі дэлегацый, а чарнавікі і ўсе паездкі сабраны ў адным спісе. Картка паездкі адкрываецца са спісу: там жа ўдзельнікі, выгрузка, змяненне, статус і адмена.

    Каб загрузіць праграмы і паездкі з файла, проста адпраўце сюды файл YAML або XLSX.
org-btn-new-programme = ➕ Новая праграма
org-btn-new-trip = ➕ Новая паездка
org-btn-programmes = 📚 Праграмы
org-btn-trips = 🗂 Усе паездкі
org-btn-broadcasts = 📣 Рассылкі
org-btn-panel = 🛠 Інструменты арганізатара
org-btn-open-trip = Адкрыць картку паездкі
org-btn-to-trip = ← Да паездкі

org-programmes =
    <b>Праграмы абмену</b>: { $count }.
    Націсніце на праграму, каб змяніць яе.
org-programmes-empty = Праграм пакуль няма. Стварыце першую кнопкай «Новая праграма» ў інструментах арганізатара.
org-programme-item = { $direction } · { $title }
org-trips =
    <b>Усе паездкі</b>, уключна з чарнавікамі: { $count }.
    📝 чарнавік · 🟢 запіс адкрыты · 🔒 запіс закрыты · 🏁 завершана · ❌ адменена
org-trips-empty = Паездак пакуль няма. Стварыце першую кнопкай «Новая паездка».
org-trip-item = { $mark } { $date } · { $title }

## Shared form parts

org-btn-keep = Пакінуць як ёсць
org-btn-done = Гатова
org-btn-save = ✅ Захаваць
org-btn-yes = Так
org-btn-no = Не
org-btn-no-description = Без апісання
org-current = Цяпер: { $value }
org-no-description = без апісання
org-form-cancelled = Добра, нічога не захавана.

## The programme form

org-prog-ask-direction = <b>Праграма абмену.</b> Да якога кірунку дарожнай карты яна адносіцца?
org-prog-ask-title = Напішыце назву праграмы, напрыклад: «Абмен педагагічным вопытам».
org-prog-ask-description = Коратка апішыце праграму: чым займаюцца ўдзельнікі і што атрымліваюць. Або націсніце «Без апісання».
org-prog-ask-audience = Для каго праграма? Адзначце сферы дзейнасці ўдзельнікаў і націсніце «Гатова». Калі не адзначыць ніводнай, праграма адкрытая для ўсіх.
org-audience-selected = ✅ { $role }
org-audience-everyone = для ўсіх
org-prog-preview =
    <b>Праверце новую праграму</b>

    Кірунак: { $direction }
    Назва: { $title }
    Для каго: { $audience }
    Апісанне: { $description }

    Калі ўсё правільна, націсніце «Захаваць».
org-prog-preview-edit =
    <b>Праверце змены праграмы</b>

    Кірунак: { $direction }
    Назва: { $title }
    Для каго: { $audience }
    Апісанне: { $description }

    Калі ўсё правільна, націсніце «Захаваць».
org-prog-created = Праграма «{ $title }» створана. Цяпер у яе можна дадаваць паездкі.
org-prog-updated = Праграма «{ $title }» захавана.
org-error-programme-not-found = Праграма не знойдзена: магчыма, яе выдалілі. Адкрыйце спіс праграм нанова.

## The trip form

org-trip-no-programmes = Паездка належыць да адной з праграм абмену, а праграм пакуль няма. Спачатку стварыце праграму.
org-trip-ask-programme = <b>Паездка дэлегацыі.</b> Да якой праграмы яна адносіцца?
org-trip-ask-title = Напішыце назву паездкі, напрыклад: «Дэлегацыя педагогаў Сочы ў Мінск».
org-trip-ask-from-city = Адкуль едзе дэлегацыя?
org-trip-ask-to-city = Куды едзе дэлегацыя?
org-trip-ask-starts =
    Калі пачынаецца паездка? Напішыце дату і, калі трэба, час — па часе горада { $city }:
    <code>15.03.2027 09:00</code> або проста <code>15.03.2027</code>
org-trip-ask-ends =
    Калі паездка заканчваецца? Дата і, калі трэба, час па часе горада { $city }:
    <code>18.03.2027 20:00</code> або <code>18.03.2027</code> (тады — да канца дня)
org-trip-ask-deadline =
    Да якога моманту адкрыты запіс? Ён павінен скончыцца раней за пачатак паездкі. Час — горада { $city }:
    <code>01.03.2027 18:00</code> або <code>01.03.2027</code> (тады — да канца дня)
org-trip-ask-capacity = Колькі месцаў у дэлегацыі? Напішыце лік ад 1 да 10 000.
org-trip-ask-approval = Ці трэба адабраць кожную заяўку? «Так» — удзельнік трапіць у спіс толькі пасля вашага рашэння. «Не» — адразу, пакуль ёсць месцы.
org-trip-ask-minors = Ці едуць у гэтай паездцы непаўналетнія? «Так» — пры запісе бот папросіць імя бацькі, маці або законнага прадстаўніка і яго згоду, без іх заяўка не будзе пададзена. «Не» — едуць толькі дарослыя.
org-trip-ask-questions-none =
    <b>Пытанні пры запісе.</b> Акрамя імя, горада і арганізацыі можна спытаць, напрыклад, пасаду, ці патрэбна гасцініца або асаблівасці харчавання.

    Пытанняў пакуль няма.
org-trip-ask-questions =
    <b>Пытанні пры запісе</b>

    { $questions }

    Дадайце яшчэ пытанне, выдаліце лішняе або націсніце «Гатова».
org-trip-ask-q-kind = Якое гэта пытанне?
org-trip-ask-q-label = Напішыце пытанне так, як яго ўбачыць удзельнік, напрыклад: «Ваша пасада».
org-trip-ask-q-options =
    Напішыце варыянты адказу, кожны з новага радка (ад 2 да 10), напрыклад:
    Стандартнае
    Вегетарыянскае
    Без глютэну
org-trip-ask-q-required = Адказ на гэтае пытанне абавязковы?
org-trip-ask-description = Апішыце паездку: праграма візіту, што ўзяць з сабой, хто суправаджае. Або націсніце «Без апісання».
org-trip-ask-status = Захаваць паездку як чарнавік (яе бачаць толькі арганізатары) ці адразу адкрыць запіс?
org-btn-add-question = ➕ Дадаць пытанне
org-btn-drop-question = 🗑 { $number }. { $label }
org-btn-questions-done = Гатова
org-btn-no-questions = Без пытанняў
org-kind-short_text = Кароткі тэкст
org-kind-long_text = Доўгі тэкст
org-kind-choice = Выбар з варыянтаў
org-kind-yes_no = Так ці не
org-kind-date = Дата
org-question-line = { $number }. { $label } — { $kind }, { $required }
org-question-options = ↳ варыянты: { $options }
org-question-required = абавязковае
org-question-optional = неабавязковае
org-preview-no-questions = няма

org-trip-preview =
    <b>Праверце новую паездку</b>

    Назва: { $title }
    Праграма: { $programme }
    Маршрут: { $origin } → { $destination }
    Пачатак: { $starts }
    Заканчэнне: { $ends }
    Запіс да: { $deadline }
    (час горада { $city })
    Месцаў: { $capacity }
    Адабрэнне заявак: { $approval }
    Непаўналетнія: { $minors }
    Статус: { $status }
    Пытанні:
    { $questions }
    Апісанне: { $description }

    Калі ўсё правільна, націсніце «Захаваць». Каб нешта выправіць, націсніце на патрэбнае поле.
org-trip-preview-edit =
    <b>Змяненне паездкі</b>

    Назва: { $title }
    Праграма: { $programme }
    Маршрут: { $origin } → { $destination }
    Пачатак: { $starts }
    Заканчэнне: { $ends }
    Запіс да: { $deadline }
    (час горада { $city })
    Месцаў: { $capacity }
    Адабрэнне заявак: { $approval }
    Непаўналетнія: { $minors }
    Статус: { $status }
    Пытанні:
    { $questions }
    Апісанне: { $description }

    Выберыце, што змяніць, і націсніце «Захаваць». Статус змяняецца кнопкай «Статус» у картцы паездкі.
org-field-prog = Праграма
org-field-title = Назва
org-field-from = Адкуль
org-field-to = Куды
org-field-start = Пачатак
org-field-end = Заканчэнне
org-field-dl = Тэрмін запісу
org-field-cap = Месцы
org-field-appr = Адабрэнне
org-field-minors = Непаўналетнія
org-field-qs = Пытанні
org-field-descr = Апісанне
org-field-status = Статус
org-trip-created = Паездка «{ $title }» захавана.
org-trip-updated = Змены паездкі «{ $title }» захаваны.

org-error-option-twice = Варыянт «{ $option }» пазначаны двойчы. Кожны варыянт павінен быць адзін раз.
org-error-options-count = Патрэбна ад { $low } да { $high } варыянтаў, кожны з новага радка.
org-error-questions-max = Пытанняў можа быць не больш за { $limit }.
org-error-capacity-below-taken = Месцаў не можа быць менш, чым ужо занята: { $taken }. Калі месцаў сапраўды менш, спачатку адхіліце лішнія заяўкі.
org-error-form-incomplete = У форме не хапае даных. Калі ласка, запоўніце яе нанова.
org-error-not-editable = Адмененую або завершаную паездку змяніць нельга.

## Status

org-status-draft = Чарнавік
org-status-open = Запіс адкрыты
org-status-closed = Запіс закрыты
org-status-finished = Завершана
org-status-cancelled = Адменена
org-status-mark-draft = 📝
org-status-mark-open = 🟢
org-status-mark-closed = 🔒
org-status-mark-finished = 🏁
org-status-mark-cancelled = ❌
org-status-hint-open = Паездка з'явіцца ў каталогу, і на яе можна будзе запісацца да заканчэння тэрміну запісу.
org-status-hint-closed = Новыя заяўкі прымацца не будуць; запісаныя і ліст чакання захаваюцца, вызваленыя месцы па-ранейшаму пяройдуць наступным у чарзе.
org-status-hint-finished = Паездка стане завершанай: запіс і ліст чакання больш не дзейнічаюць.
org-status-hint-draft = Паездку будуць бачыць толькі арганізатары.
org-status-hint-cancelled = Паездка будзе адменена.
org-status-choose =
    <b>{ $title }</b>
    Цяпер: { $status }.

    Выберыце новы статус. Каб адмяніць паездку, скарыстайцеся кнопкай адмены паездкі ў картцы: удзельнікі атрымаюць паведамленне з прычынай.
org-status-final =
    <b>{ $title }</b>
    Статус: { $status }. Яго больш нельга змяніць.
org-btn-set-status = → { $status }
org-status-confirm =
    Перавесці паездку <b>{ $title }</b> са статусу «{ $current }» у «{ $status }»?

    { $hint }
org-btn-status-confirm = Так, змяніць статус
org-status-changed = Гатова: у паездкі «{ $title }» цяпер статус «{ $status }».
org-error-status-same = У паездкі ўжо гэты статус.
org-error-status-transition = З бягучага статусу ў гэты перайсці нельга. Адкрыйце картку паездкі нанова.
org-error-open-started = Паездка ўжо пачалася, адкрыць запіс на яе нельга.

## Cancelling a trip

org-cancel-ask-reason =
    Адмена паездкі <b>{ $title }</b>.

    Напішыце прычыну: яе атрымаюць усе, хто запісаны або стаіць у лісце чакання ({ $count ->
        [one] { $count } чалавек
        [few] { $count } чалавекі
       *[many] { $count } чалавек
    }).
org-cancel-confirm =
    Адмяніць паездку <b>{ $title }</b>?

    Паведамленне атрымаюць { $count ->
        [one] { $count } чалавек
        [few] { $count } чалавекі
       *[many] { $count } чалавек
    }. Прычына:
    { $reason }

    Адмененую паездку нельга вярнуць.
org-btn-cancel-confirm = Так, адмяніць паездку
org-cancel-aborted = Добра, паездка не адменена. Нічога не змянілася.
org-cancel-sending = Паездка «{ $title }» адменена. Адпраўляю паведамленні ўдзельнікам…
org-cancel-done = Паездка «{ $title }» адменена. Паведамленне з прычынай адпраўляецца ўдзельнікам: { $delivered } з { $total } (астатнія заблакавалі бота).
org-error-not-cancellable = Гэтую паездку ўжо нельга адмяніць: яна адменена або завершана.
org-cancel-notice =
    На жаль, паездка <b>{ $trip }</b> адменена.

    Прычына, якую пазначыў арганізатар:
    { $reason }

    Ваш запіс на яе больш не дзейнічае. Іншыя паездкі — у раздзеле «Паездкі».
